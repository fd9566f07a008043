// The BuildKit session of a build (what `docker buildx build` keeps open beside the build request):
// the engine calls back over it, as gRPC on HTTP/2 over the hijacked /session connection, for
// registry credentials (the pulls of FROM and cacheFrom) and build secrets (RUN --mount=type=secret).
// Served with node:http2 and a hand-written protobuf codec (protobuf.ts). Secret values only ever go
// into the gRPC answer; nothing here logs.
import { randomUUID } from 'node:crypto';
import { type ServerHttp2Stream, createServer } from 'node:http2';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { all, encodeFields, decodeFields, text } from './protobuf';
import type { PullCredentials } from './credentials';

export interface SessionServices {
  /** Credentials for a registry host ("docker.io" for Docker Hub's "registry-1.docker.io"). */
  credentials?: (host: string) => Promise<PullCredentials | undefined>;
  /** Build secrets by id: a function so files and variables are read only when a RUN asks. */
  secrets?: Map<string, () => Promise<Buffer>>;
}

export interface BuildSession {
  id: string;
  close(): void;
  /** Secret ids the build asked for that were not configured. */
  readonly missingSecrets: string[];
}

const AUTH = 'moby.filesync.v1.Auth';
const SECRETS = 'moby.buildkit.secrets.v1.Secrets';
const HEALTH = 'grpc.health.v1.Health';
const METHODS = [
  `/${AUTH}/Credentials`,
  `/${AUTH}/FetchToken`,
  `/${AUTH}/GetTokenAuthority`,
  `/${AUTH}/VerifyTokenAuthority`,
  `/${SECRETS}/GetSecret`,
  `/${HEALTH}/Check`,
];

const GRPC = { OK: 0, NOT_FOUND: 5, UNIMPLEMENTED: 12, INTERNAL: 13 };

class GrpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function frame(message: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

function unframe(body: Buffer): Buffer {
  if (body.length < 5) return Buffer.alloc(0);
  if (body[0] !== 0) throw new GrpcError(GRPC.UNIMPLEMENTED, 'compressed messages are not supported');
  return body.subarray(5, 5 + body.readUInt32BE(1));
}

const HUB_HOSTS = new Set(['registry-1.docker.io', 'index.docker.io', 'docker.io']);

/** Does what the docker CLI's auth provider does for FetchToken: the registry's token endpoint, signed in. */
async function fetchToken(
  request: Buffer,
  credentials: SessionServices['credentials'],
): Promise<{ token: string; expiresIn: number; issuedAt: number }> {
  const fields = decodeFields(request);
  const clientId = text(fields, 1) || 'aws-batch-runner';
  const host = text(fields, 2);
  const realm = text(fields, 3);
  const service = text(fields, 4);
  const scopes = all(fields, 5).map((scope) => scope.toString('utf8'));
  const login = credentials ? await credentials(HUB_HOSTS.has(host) ? 'docker.io' : host) : undefined;
  let response: Response;
  if (login?.identitytoken) {
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: login.identitytoken,
      service,
      client_id: clientId,
    });
    if (scopes.length) form.set('scope', scopes.join(' '));
    response = await fetch(realm, { method: 'POST', body: form });
  } else {
    const url = new URL(realm);
    if (service) url.searchParams.set('service', service);
    for (const scope of scopes) url.searchParams.append('scope', scope);
    const headers: Record<string, string> = {};
    if (login && (login.username || login.password)) {
      headers.Authorization = 'Basic ' + Buffer.from(`${login.username}:${login.password}`).toString('base64');
    }
    response = await fetch(url, { headers });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new GrpcError(GRPC.INTERNAL, `the token endpoint of ${host} answered HTTP ${response.status}`);
  }
  const answer = (await response.json()) as {
    token?: string;
    access_token?: string;
    expires_in?: number;
    issued_at?: string;
  };
  const issued = answer.issued_at ? Date.parse(answer.issued_at) : Date.now();
  return {
    token: answer.token ?? answer.access_token ?? '',
    expiresIn: answer.expires_in ?? 60,
    issuedAt: Math.floor((Number.isNaN(issued) ? Date.now() : issued) / 1000),
  };
}

async function answer(path: string, request: Buffer, services: SessionServices, missing: string[]): Promise<Buffer> {
  switch (path) {
    case `/${HEALTH}/Check`:
      return encodeFields([[1, 1]]); // SERVING
    case `/${AUTH}/Credentials`: {
      const host = text(decodeFields(request), 1);
      const found = services.credentials
        ? await services.credentials(HUB_HOSTS.has(host) ? 'docker.io' : host)
        : undefined;
      if (!found) return encodeFields([]);
      if (found.identitytoken) return encodeFields([[2, found.identitytoken]]);
      return encodeFields([
        [1, found.username],
        [2, found.password],
      ]);
    }
    case `/${AUTH}/FetchToken`: {
      const token = await fetchToken(request, services.credentials);
      return encodeFields([
        [1, token.token],
        [2, token.expiresIn],
        [3, token.issuedAt],
      ]);
    }
    case `/${SECRETS}/GetSecret`: {
      const id = text(decodeFields(request), 1);
      const read = services.secrets?.get(id);
      if (!read) {
        missing.push(id);
        throw new GrpcError(GRPC.NOT_FOUND, `secret ${id} not found`);
      }
      return encodeFields([[1, await read()]]);
    }
    default:
      throw new GrpcError(GRPC.UNIMPLEMENTED, `${path} is not implemented`);
  }
}

function serve(stream: ServerHttp2Stream, path: string, services: SessionServices, missing: string[]): void {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('error', () => undefined);
  stream.on('end', () => {
    const fail = (code: number, message: string) => {
      if (stream.destroyed || stream.headersSent) return;
      stream.respond(
        {
          ':status': 200,
          'content-type': 'application/grpc',
          'grpc-status': String(code),
          'grpc-message': encodeURIComponent(message),
        },
        { endStream: true },
      );
    };
    let request: Buffer;
    try {
      request = unframe(Buffer.concat(chunks));
    } catch (error) {
      fail((error as GrpcError).code ?? GRPC.INTERNAL, (error as Error).message);
      return;
    }
    answer(path, request, services, missing).then(
      (message) => {
        if (stream.destroyed) return;
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(frame(message));
      },
      // The message names what failed, never a credential or a secret's value.
      (error: unknown) => fail(error instanceof GrpcError ? error.code : GRPC.INTERNAL, (error as Error).message),
    );
  });
}

/** Opens a session on the engine (POST /session, upgraded to h2c); resolves once the engine holds it. */
export function openSession(docker: Docker, services: SessionServices): Promise<BuildSession> {
  const id = randomUUID();
  const missing: string[] = [];
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        method: 'POST',
        path: '/session',
        hijack: true,
        headers: {
          Upgrade: 'h2c',
          'X-Docker-Expose-Session-Uuid': id,
          'X-Docker-Expose-Session-Name': 'aws-batch-runner',
          'X-Docker-Expose-Session-Sharedkey': '',
          'X-Docker-Expose-Session-Grpc-Method': METHODS,
        },
        statusCodes: { 101: true, 200: true, 400: 'bad request', 404: 'no such endpoint', 500: 'server error' },
      },
      (error: Error | null, result: unknown) => {
        if (error) return reject(error);
        const socket = result as Duplex;
        const server = createServer();
        server.on('stream', (stream, headers) => serve(stream, String(headers[':path'] ?? ''), services, missing));
        socket.on('error', () => undefined);
        server.emit('connection', socket);
        resolve({
          id,
          missingSecrets: missing,
          close() {
            server.close();
            socket.destroy();
          },
        });
      },
    );
  });
}
