// The results prefixes the Runs view lists: results.bucket/prefix of each workspace folder's
// aws-batch.json (where Submit writes runs), then the awsBatch.runs.resultsLocations setting.
// A folder without aws-batch.json, or with one that does not parse, adds nothing: the Runs view is
// not the place to report configuration errors (Submit does that, with the fix).
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import { CONFIG_FILE } from '../config/fileName';
import { folderUriOf } from '../results/runUris';
import { formatS3Uri, parseS3Uri, type S3Location } from '../results/s3Uri';
import { LOCAL_RUNS_FOLDER } from '../config/fileName';

export interface LocationSources {
  /** The setting's entries, as typed. */
  configured(): readonly string[];
  /** A setting entry that is not an S3 URI (reported once per value). */
  invalid(entry: string, message: string): void;
}

/** Folder URIs (s3://bucket/prefix/) of the results locations. */
export async function runLocations(sources: LocationSources): Promise<string[]> {
  const found = new Map<string, S3Location>();
  const add = (location: S3Location) => found.set(formatS3Uri(location), location);
  for (const location of await workspaceLocations()) add(location);
  // Run Locally's runs, same layout on disk (see src/submit/localRun.ts).
  const local = (vscode.workspace.workspaceFolders ?? [])
    .filter((folder) => folder.uri.scheme === 'file')
    .map((folder) => folderUriOf(join(folder.uri.fsPath, LOCAL_RUNS_FOLDER)));
  for (const entry of sources.configured()) {
    try {
      add(parseS3Uri(entry));
    } catch (error) {
      sources.invalid(entry, (error as Error).message);
    }
  }
  return [...found.keys(), ...local];
}

async function workspaceLocations(): Promise<S3Location[]> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file');
  if (folders.length === 0) return [];
  // The parser loads on first use, as Submit's does (src/commands/submitSupport.ts).
  const { parseRunConfig } = await import('../config/runConfig');
  const locations = await Promise.all(
    folders.map(async (folder): Promise<S3Location | undefined> => {
      try {
        const text = await readFile(join(folder.uri.fsPath, CONFIG_FILE), 'utf8');
        // Only results.* is needed; the Dockerfile and inputs checks of loadRunConfig are Submit's business.
        const { results } = parseRunConfig(text, basename(folder.uri.fsPath));
        return { bucket: results.bucket, prefix: results.prefix };
      } catch {
        return undefined;
      }
    }),
  );
  return locations.filter((location): location is S3Location => location !== undefined);
}
