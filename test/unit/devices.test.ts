// Known-device keys: user-agent family and system plus the IPv4 /24 or IPv6 /48.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeDevice, networkOf } from '../../src/accounts/devices.js';

test('networks: IPv4 /24, IPv6 /48, mapped IPv4, nonsense', () => {
  assert.equal(networkOf('203.0.113.77'), '203.0.113.0/24');
  assert.equal(networkOf('::ffff:203.0.113.77'), '203.0.113.0/24');
  assert.equal(networkOf('2001:db8:abcd:12::1'), '2001:db8:abcd::/48');
  assert.equal(networkOf('2001:db8::1'), '2001:db8:0::/48');
  assert.equal(networkOf('::1'), '0:0:0::/48');
  assert.equal(networkOf('fe80::1%eth0'), 'fe80:0:0::/48');
  assert.equal(networkOf(undefined), 'unknown network');
  assert.equal(networkOf('not an ip'), 'unknown network');
});

test('a browser update or another address in the network is the same device; another browser or network is not', () => {
  const chrome130 = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
  const chrome131 = chrome130.replace('130.0', '131.0');
  const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
  const a = describeDevice({ userAgent: chrome130, ip: '198.51.100.4', via: 'web' });
  assert.equal(a.label, 'Chrome on Linux, 198.51.100.0/24');
  assert.equal(describeDevice({ userAgent: chrome131, ip: '198.51.100.200', via: 'web' }).key, a.key);
  assert.notEqual(describeDevice({ userAgent: firefox, ip: '198.51.100.4', via: 'web' }).key, a.key);
  assert.notEqual(describeDevice({ userAgent: chrome130, ip: '198.51.101.4', via: 'web' }).key, a.key);
  assert.equal(describeDevice({ userAgent: 'npm/10.9.0 node/v20.20.2 linux x64 workspaces/false', ip: '10.0.0.1', via: 'cli' }).label, 'npm on Linux, 10.0.0.0/24');
  assert.equal(describeDevice({ userAgent: undefined, ip: undefined, via: 'cli' }).label, 'unknown client on unknown system, unknown network');
  // The label never carries the raw user agent (it is shown in mail).
  assert.equal(describeDevice({ userAgent: '<script>/1', ip: '10.0.0.1', via: 'web' }).label, 'unknown client on unknown system, 10.0.0.0/24');
});
