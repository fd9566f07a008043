// docker push through dockerode with per-layer progress. The credentials travel only in the
// X-Registry-Auth header that dockerode builds; nothing here prints them.
import type Docker from 'dockerode';
import { SubmitError, cancelled } from '../shared/errors';
import type { LineSink } from '../shared/progress';
import type { EngineEvent } from './build';
import { engineUnavailable, isEngineUnreachable, splitReference } from './engine';
import type { RegistryCredentials } from './registry';

export interface LayerState {
  id: string;
  status: string;
  current: number;
  total: number;
  done: boolean;
  /** The registry already had it (or mounted it from another repository). */
  existed: boolean;
}

export interface PushSummary {
  digest: string;
  layers: number;
  uploaded: number;
  existed: number;
  bytes: number;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;
}

/** Folds push events into per-layer state and one summary line for a progress notification. */
export class PushProgress {
  readonly layers = new Map<string, LayerState>();
  digest: string | undefined;
  error: string | undefined;

  constructor(private readonly log: LineSink = () => undefined) {}

  event(event: EngineEvent): void {
    if (event.error !== undefined || event.errorDetail !== undefined) {
      this.error = (event.errorDetail?.message ?? event.error ?? 'unknown error').trim();
      return;
    }
    if (typeof event.aux === 'object' && event.aux.Digest) this.digest = event.aux.Digest;
    const status = event.status ?? '';
    const digestLine = /digest: (sha256:[0-9a-f]{64})/.exec(status);
    if (digestLine) this.digest ??= digestLine[1];
    if (!event.id || /^The push refers to/.test(status)) {
      if (status) this.log(status);
      return;
    }
    const layer = this.layers.get(event.id) ?? {
      id: event.id,
      status: '',
      current: 0,
      total: 0,
      done: false,
      existed: false,
    };
    this.layers.set(event.id, layer);
    const before = layer.status;
    layer.status = status;
    if (status === 'Pushing' && event.progressDetail) {
      layer.current = event.progressDetail.current ?? layer.current;
      layer.total = Math.max(layer.total, event.progressDetail.total ?? 0);
    }
    if (status === 'Pushed' || status === 'Layer already exists' || status.startsWith('Mounted from')) {
      layer.done = true;
      layer.existed = status !== 'Pushed';
      if (layer.total) layer.current = layer.total;
    }
    if (status !== before && status !== 'Pushing') this.log(`${event.id}: ${status}`);
  }

  /** "Pushing 2/5 layers, 34 MB of 120 MB" */
  summary(): string {
    const layers = [...this.layers.values()];
    const done = layers.filter((layer) => layer.done).length;
    const total = layers.reduce((sum, layer) => sum + layer.total, 0);
    const current = layers.reduce((sum, layer) => sum + Math.min(layer.current, layer.total || layer.current), 0);
    const bytes = total > 0 ? `, ${megabytes(current)} of ${megabytes(total)}` : '';
    return `${done}/${layers.length} layers${bytes}`;
  }

  /** 0..1: bytes where known, else layers done. */
  fraction(): number {
    const layers = [...this.layers.values()];
    if (layers.length === 0) return 0;
    const total = layers.reduce((sum, layer) => sum + layer.total, 0);
    if (total > 0) return layers.reduce((sum, layer) => sum + Math.min(layer.current, layer.total), 0) / total;
    return layers.filter((layer) => layer.done).length / layers.length;
  }
}

function pushFailure(host: string, ref: string, message: string): SubmitError {
  if (/unauthorized|authentication required|denied|no basic auth|403|401/i.test(message)) {
    return new SubmitError(
      'registry',
      `The registry ${host} refused the push of ${ref}: ${message}. Check that your AWS credentials may push to this ECR repository (ecr:InitiateLayerUpload, ecr:PutImage...).`,
    );
  }
  return new SubmitError('push', `Pushing ${ref} failed: ${message}.`);
}

/** Pushes `ref` (host/repo:tag); resolves with the manifest digest the registry stored. */
export async function pushImage(
  docker: Docker,
  ref: string,
  credentials: RegistryCredentials,
  options: { signal?: AbortSignal; log?: LineSink; onProgress?: (progress: PushProgress) => void } = {},
): Promise<PushSummary> {
  const { signal } = options;
  if (signal?.aborted) throw cancelled();
  const progress = new PushProgress(options.log);
  const { repo, tag } = splitReference(ref);
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await docker.getImage(repo).push({
      tag,
      authconfig: { username: credentials.username, password: credentials.password, serveraddress: credentials.host },
      abortSignal: signal,
    } as object)) as NodeJS.ReadableStream;
  } catch (error) {
    if (signal?.aborted) throw cancelled();
    if (isEngineUnreachable(error)) throw engineUnavailable(docker, error);
    throw pushFailure(credentials.host, ref, (error as Error).message);
  }
  let last = 0;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null) => (error ? reject(error) : resolve()),
      (event: EngineEvent) => {
        progress.event(event);
        const now = Date.now();
        if (now - last > 200) {
          last = now;
          options.onProgress?.(progress);
        }
      },
    );
    signal?.addEventListener('abort', () => reject(cancelled()), { once: true });
  }).catch((error: unknown) => {
    if (signal?.aborted) throw cancelled();
    if (error instanceof SubmitError) throw error;
    progress.error ??= (error as Error).message;
  });
  options.onProgress?.(progress);
  if (progress.error !== undefined) throw pushFailure(credentials.host, ref, progress.error);
  if (!progress.digest) throw new SubmitError('push', `Pushing ${ref} finished without a digest from the registry.`);
  const layers = [...progress.layers.values()];
  return {
    digest: progress.digest,
    layers: layers.length,
    uploaded: layers.filter((layer) => !layer.existed).length,
    existed: layers.filter((layer) => layer.existed).length,
    bytes: layers.filter((layer) => !layer.existed).reduce((sum, layer) => sum + layer.total, 0),
  };
}
