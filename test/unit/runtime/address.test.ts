import * as assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { discoverAddress, formatHostPort, parseHostPort, pickInterfaceAddress } from '../../../src/runtime/address';

function iface(address: string, family: 'IPv4' | 'IPv6', internal = false): NetworkInterfaceInfo {
  return {
    address,
    family,
    internal,
    netmask: '',
    mac: '',
    cidr: null,
    ...(family === 'IPv6' ? { scopeid: 0 } : {}),
  } as NetworkInterfaceInfo;
}

suite('runtime address', () => {
  test('loopback and link-local addresses are skipped; IPv4 is preferred', () => {
    assert.equal(
      pickInterfaceAddress({
        lo: [iface('127.0.0.1', 'IPv4', true), iface('::1', 'IPv6', true)],
        eth0: [
          iface('fe80::1', 'IPv6'),
          iface('169.254.3.4', 'IPv4'),
          iface('2001:db8::5', 'IPv6'),
          iface('10.1.2.3', 'IPv4'),
        ],
      }),
      '10.1.2.3',
    );
    assert.equal(
      pickInterfaceAddress({ eth0: [iface('fe80::1', 'IPv6'), iface('2001:db8::5', 'IPv6')] }),
      '2001:db8::5',
    );
    assert.equal(
      pickInterfaceAddress({ lo: [iface('127.0.0.1', 'IPv4', true)], eth0: [iface('169.254.0.9', 'IPv4')] }),
      undefined,
    );
  });

  test('the override wins; with nothing usable the answer is loopback', async () => {
    assert.deepEqual(await discoverAddress('10.9.9.9', {}, {}), { address: '10.9.9.9', source: 'override' });
    assert.deepEqual(await discoverAddress(undefined, {}, { lo: [iface('127.0.0.1', 'IPv4', true)] }), {
      address: '127.0.0.1',
      source: 'loopback',
    });
  });

  test('host:port round-trips, IPv6 in brackets; bad values are refused', () => {
    assert.equal(formatHostPort('10.0.0.1', 7000), '10.0.0.1:7000');
    assert.equal(formatHostPort('2001:db8::5', 7000), '[2001:db8::5]:7000');
    assert.deepEqual(parseHostPort('[2001:db8::5]:7000'), { host: '2001:db8::5', port: 7000 });
    assert.deepEqual(parseHostPort('ip-10-0-0-1.ec2.internal:80'), { host: 'ip-10-0-0-1.ec2.internal', port: 80 });
    for (const bad of ['10.0.0.1', '10.0.0.1:0', '10.0.0.1:70000', ':80', '2001:db8::5:80'])
      assert.equal(parseHostPort(bad), undefined, bad);
  });
});
