// Open Full Log: the whole log of a job as a read-only document, newest events first loaded.
import { jobRefOf, type JobArg } from './args';
import { pickJob } from './pickJob';
import type { CommandFactory } from './runCommand';

export const openFullLog: CommandFactory<[arg?: JobArg | string]> = (services) => async (arg) => {
  const job = jobRefOf(arg) ?? (await pickJob(services, 'Open Full Log: which job?'));
  if (!job) return undefined;
  const editor = await services.logDocuments.openFullLog(job);
  return editor.document.uri.toString();
};
