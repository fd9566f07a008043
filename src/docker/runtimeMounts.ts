// The runtime in Run Locally's containers: its files bind-mounted read-only at the paths the
// runtime layer gives them in a Batch job (/opt/batch-runner/runtime.js, spawn and, unless the image
// has Node.js 22+, node), on the user's image as built. Building that layer on the engine meant
// sending, unpacking and snapshotting the 120 MB Node binary again after every code change (about
// 4 s); the mounts cost nothing, and Run Locally bind-mounts the run folder already, so it needs an
// engine that shares this machine's files either way. What goes in, and whether the image's
// ENTRYPOINT stays, is decided as Submit decides it (runtimeCheck.ts), once per image: the answer
// is kept in the cache folder under the same content key Submit's image gets.
import type Docker from 'dockerode';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cancelled } from '../shared/errors';
import { candidateFiles, checkRuntime, type CandidateFiles } from './runtimeCheck';
import {
  BUNDLED_NODE,
  LayerFile,
  RuntimeSource,
  bundledNodeFile,
  runtimeFileOf,
  runtimeKey,
  spawnHelperFileOf,
} from './runtimeFiles';

/** Bump when the decision's inputs or meaning change, so kept answers are not reused. */
const RECIPE = 'runtime-mounts-1';

export interface RuntimeMount {
  /** The file on this machine. */
  source: string;
  /** Where the container sees it (/opt/batch-runner/...). */
  target: string;
}

export interface RuntimeMounts {
  /** How the containers start the runtime: "node" (the image's own) or /opt/batch-runner/node. */
  node: string;
  /** False when the image's ENTRYPOINT does not run the command it is given: the containers drop it. */
  keepEntrypoint: boolean;
  mounts: RuntimeMount[];
  /** The content key's first 16 hex digits (the image's local tag). */
  contentTag: string;
  /** True when the decision was kept from an earlier run of the same image (no container ran). */
  reused: boolean;
}

interface Decision {
  node: string;
  keepEntrypoint: boolean;
}

/** The files a container starting the runtime with `node` needs, where the layer would have them. */
function mountsFor(node: string, files: CandidateFiles): RuntimeMount[] {
  const needed = [node === BUNDLED_NODE ? files.nodeFile : undefined, files.runtimeFile, files.spawnFile];
  return needed
    .filter((file): file is LayerFile => file !== undefined)
    .map((file) => ({ source: file.path, target: `/${file.name}` }));
}

/** The runtime's files and how they start in containers of `baseImageId` (the user's built image). */
export async function runtimeMounts(
  docker: Docker,
  baseImageId: string,
  source: RuntimeSource,
): Promise<RuntimeMounts> {
  const { key, contentTag } = await runtimeKey(docker, RECIPE, baseImageId, source);
  const kept = join(source.cacheDir, 'decisions', `${key}.json`);
  const known = await readFile(kept, 'utf8').then(
    (text) => JSON.parse(text) as Decision,
    () => undefined,
  );
  if (known) {
    source.log?.(`Runtime: the same image and runtime as before; it starts with ${known.node}`);
    // The Node binary only where the image's own Node.js does not run the runtime (it may need a pull).
    const nodeFile = known.node === BUNDLED_NODE ? await bundledNodeFile(docker, source) : undefined;
    const files = { runtimeFile: await runtimeFileOf(source), spawnFile: await spawnHelperFileOf(source), nodeFile };
    return { ...known, mounts: mountsFor(known.node, files), contentTag, reused: true };
  }
  const candidates = await candidateFiles(docker, source);
  const decision = await checkRuntime(docker, baseImageId, candidates, source);
  if (source.signal?.aborted) throw cancelled();
  // Kept only once decided: a failed check is asked again next time.
  await mkdir(join(source.cacheDir, 'decisions'), { recursive: true });
  await writeFile(`${kept}.part`, JSON.stringify(decision));
  await rename(`${kept}.part`, kept);
  return { ...decision, mounts: mountsFor(decision.node, candidates), contentTag, reused: false };
}
