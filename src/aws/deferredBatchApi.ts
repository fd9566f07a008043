// A BatchApi whose every call first waits for the real one: the views and commands hold this from
// activation, while the SDK bundle and the clients are made on the first call (and made anew after
// the profile, region or endpoint changed). No SDK code.
import type { BatchApi } from './batchApi';

export function deferredBatchApi(resolve: () => Promise<BatchApi>): BatchApi {
  return {
    describeJobQueues: async (...args) => (await resolve()).describeJobQueues(...args),
    describeComputeEnvironments: async (...args) => (await resolve()).describeComputeEnvironments(...args),
    listJobs: async (...args) => (await resolve()).listJobs(...args),
    describeJobs: async (...args) => (await resolve()).describeJobs(...args),
    describeJobDefinitions: async (...args) => (await resolve()).describeJobDefinitions(...args),
    registerJobDefinition: async (...args) => (await resolve()).registerJobDefinition(...args),
    submitJob: async (...args) => (await resolve()).submitJob(...args),
    cancelJob: async (...args) => (await resolve()).cancelJob(...args),
    terminateJob: async (...args) => (await resolve()).terminateJob(...args),
    deregisterJobDefinition: async (...args) => (await resolve()).deregisterJobDefinition(...args),
  };
}
