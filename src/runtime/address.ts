// The address a manager advertises to its workers (and a worker to cluster commands): an explicit
// override; else the task's IP from the ECS task metadata endpoint v4 (Fargate, awsvpc); else the
// first usable network interface (EC2 jobs use host networking). Loopback and link-local addresses
// are only used when nothing else exists, since other hosts cannot reach them.
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

export interface Discovered {
  address: string;
  source: 'override' | 'ecs-metadata' | 'interface' | 'loopback';
}

export async function discoverAddress(
  override: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): Promise<Discovered> {
  if (override) return { address: override, source: 'override' };
  const metadataUri = env.ECS_CONTAINER_METADATA_URI_V4;
  if (metadataUri) {
    const fromEcs = await ecsAddress(metadataUri).catch(() => undefined);
    if (fromEcs) return { address: fromEcs, source: 'ecs-metadata' };
  }
  const fromInterface = pickInterfaceAddress(interfaces);
  if (fromInterface) return { address: fromInterface, source: 'interface' };
  return { address: '127.0.0.1', source: 'loopback' };
}

/** The container's IPv4 address from the ECS container metadata (`Networks[].IPv4Addresses`). */
export async function ecsAddress(metadataUri: string, timeoutMs = 2000): Promise<string | undefined> {
  const response = await fetch(metadataUri, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) return undefined;
  const body = (await response.json()) as { Networks?: { NetworkMode?: string; IPv4Addresses?: string[] }[] };
  for (const network of body.Networks ?? []) {
    const address = network.IPv4Addresses?.find((ip) => !isLinkLocal(ip) && !isLoopback(ip));
    if (address) return address;
  }
  return undefined;
}

/** The first IPv4 address that is neither loopback nor link-local; else such an IPv6 address. */
export function pickInterfaceAddress(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string | undefined {
  const all = Object.values(interfaces).flatMap((list) => list ?? []);
  const usable = all.filter((info) => !info.internal && !isLoopback(info.address) && !isLinkLocal(info.address));
  return (usable.find((info) => info.family === 'IPv4') ?? usable.find((info) => info.family === 'IPv6'))?.address;
}

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}

function isLinkLocal(ip: string): boolean {
  return ip.startsWith('169.254.') || /^fe[89ab]/i.test(ip);
}

/** `host:port`, with IPv6 hosts in brackets. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function parseHostPort(value: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1] ?? match[2], port };
}
