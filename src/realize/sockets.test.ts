// Pod sockets opened inside a namespace by each helper (python3 hopping with setns, or a Node helper per namespace),
// handed to this process and served here: netexec over TCP, echo over UDP; a port already taken is reported.
import assert from 'node:assert/strict';
import type { VirtualPodSpec } from '../serve/virtual-pods.js';
import { servePodPort, serveUdpEcho } from '../serve/virtual-pods.js';
import { findBinary } from './host.js';
import { addNamespace, deleteNamespace, execIn, listNamespaces, newLabPrefix } from './netns.js';
import { closeSockets, openSocketsIn } from './sockets.js';
import { kernelTest } from './testing.js';

for (const helper of ['python', 'node'] as const) {
  kernelTest(`pod sockets through the ${helper} helper: TCP and UDP inside the namespace, served by this process`, async (t) => {
    if (helper === 'python' && !findBinary('python3')) { t.skip('python3 is not installed: the Node helper is used'); return; }
    const ns = `${newLabPrefix(await listNamespaces())}sock`;
    await addNamespace(ns);
    try {
      const [s, dup] = await openSocketsIn([{ netns: ns, tcp: [8080], udp: [5005] }, { netns: ns, tcp: [8080], udp: [] }], { helper });
      assert.deepEqual([...s.tcp.keys(), ...s.udp.keys()], [8080, 5005]);
      assert.deepEqual(s.errors, []);
      assert.equal(dup.tcp.size, 0);
      assert.equal(dup.errors.length, 1);
      assert.match(dup.errors[0], new RegExp(`^${ns} tcp/8080: .*(Address already in use|EADDRINUSE)`));
      const spec: VirtualPodSpec = { namespace: 'default', name: 'web-0', podIP: '127.0.0.1', ports: [8080] };
      const served = servePodPort(s.tcp.get(8080)!, spec, 8080, undefined, { trustSourceHeader: false });
      serveUdpEcho(s.udp.get(5005)!);
      assert.equal((await execIn(ns, 'curl', ['-s', '-m', '3', 'http://127.0.0.1:8080/hostname'])).stdout, 'web-0');
      assert.match((await execIn(ns, 'curl', ['-s', '-m', '3', '-H', 'x-podnet-source-ip: 1.2.3.4', 'http://127.0.0.1:8080/clientip'])).stdout, /^127\.0\.0\.1:\d+$/);
      assert.equal((await execIn(ns, 'bash', ['-c', 'exec 3<>/dev/udp/127.0.0.1/5005; printf abc >&3; timeout 3 head -c 3 <&3'])).stdout, 'abc');
      // Nothing listens on the host's loopback for it: the socket lives in the namespace.
      assert.notEqual((await execIn(ns, 'ss', ['-ltn'])).stdout.indexOf('0.0.0.0:8080'), -1);
      await served.close();
      await closeSockets(s);
    } finally {
      await deleteNamespace(ns);
    }
  });
}
