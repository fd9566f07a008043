// A BatchApi whose every call first waits for the real one: the views and commands hold this from
// activation, while the SDK bundle and the clients are made on the first call (and made anew after
// the profile, region or endpoint changed). No SDK code.
import type { BatchApi } from './batchApi';

/** `succeeded` runs after each call that got an answer (the walkthrough's "credentials work"). */
export function deferredBatchApi(resolve: () => Promise<BatchApi>, succeeded: () => void = () => undefined): BatchApi {
  const call = async <T>(make: (api: BatchApi) => Promise<T>): Promise<T> => {
    const result = await make(await resolve());
    succeeded();
    return result;
  };
  return {
    describeJobQueues: (...args) => call((api) => api.describeJobQueues(...args)),
    describeComputeEnvironments: (...args) => call((api) => api.describeComputeEnvironments(...args)),
    listJobs: (...args) => call((api) => api.listJobs(...args)),
    describeJobs: (...args) => call((api) => api.describeJobs(...args)),
    describeJobDefinitions: (...args) => call((api) => api.describeJobDefinitions(...args)),
    registerJobDefinition: (...args) => call((api) => api.registerJobDefinition(...args)),
    submitJob: (...args) => call((api) => api.submitJob(...args)),
    cancelJob: (...args) => call((api) => api.cancelJob(...args)),
    terminateJob: (...args) => call((api) => api.terminateJob(...args)),
    deregisterJobDefinition: (...args) => call((api) => api.deregisterJobDefinition(...args)),
  };
}
