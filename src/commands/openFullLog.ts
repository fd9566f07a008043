// Open Full Log: the whole log of a job as a read-only document, newest events first loaded.
import { jobArgument, pickJob } from './pickJob';
import type { CommandFactory } from './runCommand';

export const openFullLog: CommandFactory = (services) => async (arg?: unknown) => {
  const job = jobArgument(arg) ?? (await pickJob(services, 'Open Full Log: which job?'));
  if (!job) return undefined;
  const editor = await services.logDocuments.openFullLog(job);
  return editor.document.uri.toString();
};
