// The IPv4 fast path of isValidIP/ipToBigInt must accept and convert exactly what ipaddr.js does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ipaddr from 'ipaddr.js';
import { cidrContains, ipToBigInt, isValidIP, parseCidr } from './cidr.js';

const viaIpaddr = (t: string) => ipaddr.isValid(t) && (ipaddr.IPv4.isValidFourPartDecimal(t) || (t.includes(':') && ipaddr.IPv6.isValid(t)));

test('isValidIP: same answers as ipaddr.js four-part decimal / IPv6', () => {
  const cases = ['1.2.3.4', '0.0.0.0', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', ' 1.2.3.4', 'a.b.c.d', '::1', 'fd00:10:244::5', '1..2.3', '1.2.3.04', '::ffff:1.2.3.4', '1.2.3.4/24', ''];
  assert.deepEqual(cases.map(isValidIP), cases.map(viaIpaddr));
  assert.deepEqual(cases.map(isValidIP), [true, true, true, false, false, false, false, false, false, true, true, false, false, true, false, false]);
});

test('ipToBigInt and cidrContains on the fast path', () => {
  assert.equal(ipToBigInt('10.244.1.5'), 0x0af40105n);
  assert.equal(ipToBigInt('255.255.255.255'), 0xffffffffn);
  assert.equal(ipToBigInt('fd00::1'), 0xfd000000000000000000000000000001n);
  assert.equal(cidrContains(parseCidr('10.244.0.0/16'), '10.244.255.1'), true);
  assert.equal(cidrContains(parseCidr('10.244.0.0/16'), '10.245.0.1'), false);
});
