// The manager's address discovery against a stand-in for the ECS task metadata endpoint v4.
import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';
import { discoverAddress } from '../../src/runtime/address';

const interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = {
  eth0: [{ address: '10.7.0.9', family: 'IPv4', internal: false, netmask: '255.255.0.0', mac: '', cidr: null }],
};

suite('runtime: address from the ECS task metadata endpoint', function () {
  let server: Server;
  let body: unknown;
  let base: string;

  suiteSetup(async () => {
    server = createServer((req, res) => {
      if (req.url !== '/v4/abc') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v4/abc`;
  });
  suiteTeardown(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('awsvpc (Fargate): the task ENI address from the metadata', async () => {
    body = { Networks: [{ NetworkMode: 'awsvpc', IPv4Addresses: ['10.0.3.17'] }] };
    assert.deepEqual(await discoverAddress(undefined, { ECS_CONTAINER_METADATA_URI_V4: base }, interfaces), {
      address: '10.0.3.17',
      source: 'ecs-metadata',
    });
  });

  test('host networking (EC2): no address in the metadata, so the interface address', async () => {
    body = { Networks: [{ NetworkMode: 'host' }] };
    assert.deepEqual(await discoverAddress(undefined, { ECS_CONTAINER_METADATA_URI_V4: base }, interfaces), {
      address: '10.7.0.9',
      source: 'interface',
    });
  });

  test('an unreachable or failing endpoint falls back to the interfaces; the override beats both', async () => {
    const broken = { ECS_CONTAINER_METADATA_URI_V4: `${base}/missing` };
    assert.equal((await discoverAddress(undefined, broken, interfaces)).address, '10.7.0.9');
    const closed = { ECS_CONTAINER_METADATA_URI_V4: 'http://127.0.0.1:1/v4' };
    assert.equal((await discoverAddress(undefined, closed, interfaces)).address, '10.7.0.9');
    body = { Networks: [{ NetworkMode: 'awsvpc', IPv4Addresses: ['10.0.3.17'] }] };
    assert.equal(
      (await discoverAddress('10.1.1.1', { ECS_CONTAINER_METADATA_URI_V4: base }, interfaces)).address,
      '10.1.1.1',
    );
  });
});
