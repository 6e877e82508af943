// A pod that stays across a lab update but whose agent would differ gets a new one: a bare Pod edited to declare
// another port answers there, and a pod the kube-dns Service comes to select answers DNS on its port 53 (a Service's
// selector can change under running pods); the pod's namespace and address are kept.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../cluster/cluster.js';
import { compileDns } from '../dns/index.js';
import { KernelLab } from './realize.js';
import { namespacesWithPrefix } from './netns.js';
import { kernelDescribe } from './testing.js';

const pod = (name: string, labels: Record<string, string>, ports: { containerPort: number; protocol?: string }[], namespace = 'default') => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels },
  spec: { containers: [{ name: 'c', image: 'registry.k8s.io/e2e-test-images/agnhost:2.53', ports }] },
});
const dnsPorts = [{ containerPort: 53, protocol: 'UDP' }, { containerPort: 53, protocol: 'TCP' }];

/** `web` declaring `webPorts`; `dns-b` a second pod with port 53, selected by kube-dns only when `bSelected`. */
function input(webPorts: number[], bSelected: boolean) {
  const objects = [
    pod('client', { app: 'client' }, []),
    pod('web', { app: 'web' }, webPorts.map((containerPort) => ({ containerPort }))),
    pod('dns-a', { app: 'dns', which: 'a' }, dnsPorts, 'kube-system'),
    pod('dns-b', { app: 'dns', which: 'b' }, dnsPorts, 'kube-system'),
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'kube-dns', namespace: 'kube-system' }, spec: { clusterIP: '10.96.0.10', selector: bSelected ? { app: 'dns' } : { app: 'dns', which: 'a' }, ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] } },
  ];
  const cluster = Cluster.load({ text: objects.map((o) => JSON.stringify(o)).join('\n---\n'), textName: 'agents.json' });
  return { cluster, dns: compileDns(cluster) };
}

kernelDescribe('kernel lab: a pod whose agent changes on an update is served again', () => {
  let lab: KernelLab;
  const ipOf = (key: string) => lab.network.pods.find((p) => p.key === key)!.ip;
  const fromClient = (argv: string[]) => lab.exec(lab.namespaceOf('default/client')!, argv, { timeoutMs: 10_000 });

  before(async () => { lab = await KernelLab.start(input([8080], false)); });
  after(async () => {
    const prefix = lab?.prefix;
    await lab?.close();
    if (prefix) assert.deepEqual(await namespacesWithPrefix(prefix), []);
  });

  test('a new port answers, the old one still does; a pod kube-dns comes to select answers DNS', async () => {
    const web = ipOf('default/web');
    const dnsB = ipOf('kube-system/dns-b');
    const curl = async (port: number) => (await fromClient(['curl', '-s', '-S', '-m', '2', `http://${web}:${port}/hostname`])).stdout;
    const dig = async () => (await fromClient(['dig', '+short', '+time=1', '+tries=1', `@${dnsB}`, 'kube-dns.kube-system.svc.cluster.local', 'A'])).stdout.trim();
    assert.equal(await curl(8080), 'web');
    assert.equal(await curl(9090), '');
    // dns-b's port 53 is an echo agent's, not a DNS server: dig gets its own query back.
    assert.equal(await dig(), ';; Warning: query response not set');
    const r = await lab.sync(input([8080, 9090], true));
    assert.deepEqual([r.addedPods, r.removedPods], [[], []]);
    assert.deepEqual([ipOf('default/web'), ipOf('kube-system/dns-b')], [web, dnsB]);
    assert.equal(await curl(8080), 'web');
    assert.equal(await curl(9090), 'web');
    assert.equal(await dig(), '10.96.0.10');
  });
});
