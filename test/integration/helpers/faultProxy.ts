// A small HTTP proxy on 127.0.0.1 in front of moto that the tests start, stop and restart, to make
// the AWS endpoint misbehave on purpose: answer "throttled", drop a response after moto processed the
// request, cut a response body short, or go away entirely for a while. It records every request.
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ProxiedRequest {
  /** x-amz-target without its service prefix (e.g. GetLogEvents), else "METHOD /path". */
  operation: string;
  at: number;
}

export class FaultProxy {
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;
  readonly requests: ProxiedRequest[] = [];
  /** Answer this many of the next requests matching `faultsFor` with ThrottlingException. */
  throttleNext = 0;
  /** Also answer every matching request with ThrottlingException until this instant (epoch ms). */
  throttleUntil = 0;
  /** Answer this many of the next matching requests as S3 does when throttling: 503 SlowDown. */
  slowDownNext = 0;
  /** How many requests were answered "throttled" (either kind). */
  throttled = 0;
  /** Forward this many of the next matching requests, then drop the connection instead of answering. */
  dropNext = 0;
  /** Send the headers and this many body bytes of the next matching responses, then cut. */
  cutBody: { afterBytes: number; times: number } | undefined;
  /** Which requests the faults above apply to. */
  faultsFor: (operation: string) => boolean = (operation) => operation === 'GetLogEvents';

  constructor(private readonly upstream: URL) {}

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  async start(port = this.boundPort): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 1000;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Closes the port and every open connection, as a crashed or restarting endpoint would. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async restart(downMs: number): Promise<void> {
    await this.stop();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.start();
  }

  /** Requests per sliding second, at most. */
  maxPerSecond(operation: string): number {
    const times = this.requests.filter((r) => r.operation === operation).map((r) => r.at);
    let max = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i] - times[j] >= 1000) j++;
      max = Math.max(max, i - j + 1);
    }
    return max;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const target = req.headers['x-amz-target'];
    const operation = typeof target === 'string' ? target.split('.').pop()! : `${req.method} ${req.url}`;
    this.requests.push({ operation, at: Date.now() });
    const faulty = this.faultsFor(operation);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (faulty && (this.throttleNext > 0 || Date.now() < this.throttleUntil)) {
        if (this.throttleNext > 0) this.throttleNext--;
        this.throttled++;
        res.writeHead(400, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-errortype': 'ThrottlingException',
        });
        res.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
        return;
      }
      if (faulty && this.slowDownNext > 0) {
        this.slowDownNext--;
        this.throttled++;
        res.writeHead(503, { 'content-type': 'application/xml' });
        res.end('<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
        return;
      }
      const drop = faulty && this.dropNext > 0;
      if (drop) this.dropNext--;
      const cut = faulty && this.cutBody && this.cutBody.times > 0 ? this.cutBody : undefined;
      if (cut) cut.times--;
      const upstream = http.request(
        {
          host: this.upstream.hostname,
          port: this.upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: this.upstream.host },
        },
        (answer) => {
          if (drop) {
            answer.resume();
            answer.on('end', () => req.socket.destroy());
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          if (!cut) {
            answer.pipe(res);
            return;
          }
          let sent = 0;
          answer.on('data', (chunk: Buffer) => {
            if (sent >= cut.afterBytes) return;
            const part = chunk.subarray(0, cut.afterBytes - sent);
            sent += part.length;
            res.write(part);
            if (sent >= cut.afterBytes) {
              answer.destroy();
              setTimeout(() => req.socket.destroy(), 20);
            }
          });
        },
      );
      upstream.on('error', () => req.socket.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  }
}
