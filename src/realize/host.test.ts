// What kernel mode says on a machine that cannot run it: each missing piece, with the Debian package to install.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostProblems } from './host.js';

test('kernel mode: not root and missing tools are each named, with the apt-get line', async () => {
  assert.deepEqual(await hostProblems({ uid: 1000, which: (b) => (b === 'ip' ? '/usr/sbin/ip' : undefined) }), [
    'kernel mode must run as root (it creates network namespaces): run it with sudo',
    'missing nft, iptables-restore, iptables-save, conntrack: install them with `apt-get install -y nftables iptables conntrack`',
  ]);
  assert.deepEqual(await hostProblems({ uid: 0, which: (b) => `/usr/sbin/${b}` }), []);
  assert.deepEqual(await hostProblems({ platform: 'darwin' }), ['kernel mode needs Linux network namespaces (this is darwin)']);
});
