// Lint findings, one table row per check: the exact code, severity, object and message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lintPolicies } from './lint.js';
import { anp, e2eObjects, loadModel, np } from './testing.js';

type Obj = Record<string, any>;
const A = { matchLabels: { pod: 'a' } };
const DNS_OK = np('x', 'dns', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] }] });

const CASES: { name: string; objs: Obj[]; config?: Obj; want: [string, string, string, string][] }[] = [
  { name: 'a clean set has no findings', objs: [np('x', 'from-b', { podSelector: A, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }], ports: [{ port: 'serve-80-tcp' }] }] })], want: [] },
  { name: 'a policy selecting no pod', objs: [np('x', 'typo', { podSelector: { matchLabels: { app: 'fronted' } } })], want: [['PN2002', 'warning', 'NetworkPolicy x/typo', 'NetworkPolicy x/typo selects no pod: its podSelector matches nothing in namespace x']] },
  { name: 'a peer matching nothing (a podSelector looks only in the policy\'s namespace)', objs: [np('x', 'peer', { podSelector: A, ingress: [{ from: [{ podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }] }] })], want: [['PN2003', 'warning', 'NetworkPolicy x/peer', 'NetworkPolicy x/peer ingress[0].from[0] matches nothing: its selectors match no pod']] },
  { name: 'a namespaceSelector matching no namespace', objs: [np('x', 'ns', { podSelector: A, ingress: [{ from: [{ namespaceSelector: { matchLabels: { name: 'y' } } }] }] })], want: [['PN2003', 'warning', 'NetworkPolicy x/ns', 'NetworkPolicy x/ns ingress[0].from[0] matches nothing: its namespaceSelector matches no namespace']] },
  { name: 'a named port no selected pod has', objs: [np('x', 'named', { podSelector: A, ingress: [{ ports: [{ port: 'http' }] }] })], want: [['PN2004', 'warning', 'NetworkPolicy x/named', 'NetworkPolicy x/named ingress[0] names port "http"/TCP, but no selected pod has a container port of that name: the rule allows nothing']] },
  { name: 'a named port with the wrong protocol', objs: [np('x', 'named', { podSelector: A, ingress: [{ ports: [{ port: 'serve-80-tcp', protocol: 'UDP' }] }] })], want: [['PN2004', 'warning', 'NetworkPolicy x/named', 'NetworkPolicy x/named ingress[0] names port "serve-80-tcp"/UDP, but no selected pod has a container port of that name: the rule allows nothing']] },
  { name: 'egress isolation without DNS', objs: [np('x', 'egress', { podSelector: A, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: {} }] }] })], want: [['PN2005', 'warning', 'NetworkPolicy x/egress', 'NetworkPolicy x/egress isolates egress of x/a, and no policy lets it reach kube-dns on 53/UDP and 53/TCP: name lookups fail']] },
  { name: 'DNS over UDP only', objs: [np('x', 'udp-dns', { podSelector: A, policyTypes: ['Egress'], egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] })], want: [['PN2005', 'warning', 'NetworkPolicy x/udp-dns', 'NetworkPolicy x/udp-dns isolates egress of x/a, and no policy lets it reach kube-dns on 53/TCP: DNS over TCP (large answers, truncation retries) fails']] },
  { name: 'an egress named port only some destinations have is fine', objs: [DNS_OK, np('x', 'named-egress', { podSelector: A, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'serve-80-tcp' }] }] })], want: [] },
  { name: 'egress isolation with DNS allowed elsewhere is fine', objs: [DNS_OK, np('x', 'egress', { podSelector: A, policyTypes: ['Egress'] })], want: [] },
  { name: 'ipBlock over the pod CIDR and the Service CIDR', objs: [DNS_OK, np('x', 'cidrs', { podSelector: A, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.244.1.0/24' } }, { ipBlock: { cidr: '10.96.0.0/16' } }] }] })], want: [
    ['PN2006', 'warning', 'NetworkPolicy x/cidrs', 'NetworkPolicy x/cidrs egress[0] ipBlock 10.244.1.0/24 overlaps the pod CIDR 10.244.0.0/16: it matches pods by IP, which change whenever a pod is recreated'],
    ['PN2007', 'warning', 'NetworkPolicy x/cidrs', 'NetworkPolicy x/cidrs egress[0] ipBlock 10.96.0.0/16 overlaps the Service CIDR 10.96.0.0/12: policy sees traffic after kube-proxy rewrote ClusterIPs to pod IPs, so this part matches nothing'],
  ] },
  { name: 'an internet rule that forgot the cloud metadata address', objs: [DNS_OK, np('x', 'internet', { podSelector: A, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }] }] })], want: [['PN2015', 'warning', 'NetworkPolicy x/internet', 'NetworkPolicy x/internet egress[0] ipBlock 0.0.0.0/0 except 10.0.0.0/8 includes 169.254.169.254, the cloud metadata service: the selected pods can ask it for the node\'s credentials']] },
  { name: 'a broad 0.0.0.0/0 means everything: only the metadata finding', objs: [DNS_OK, np('x', 'all', { podSelector: A, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] })], want: [['PN2015', 'warning', 'NetworkPolicy x/all', 'NetworkPolicy x/all egress[0] ipBlock 0.0.0.0/0 includes 169.254.169.254, the cloud metadata service: the selected pods can ask it for the node\'s credentials']] },
  { name: '... and one that remembered it', objs: [DNS_OK, np('x', 'internet', { podSelector: A, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '169.254.169.254/32'] } }] }] })], want: [] },
  { name: 'a CNI that does not enforce', config: { cni: 'flannel' }, objs: [np('x', 'deny', { podSelector: {} })], want: [['PN2008', 'warning', 'NetworkPolicy x/deny', 'the cluster\'s CNI (flannel) does not enforce NetworkPolicy: none of the 1 NetworkPolicies has any effect']] },
  { name: 'a duplicate rule', objs: [np('x', 'dup', { podSelector: A, ingress: [{ from: [{ podSelector: {} }] }, { from: [{ podSelector: {} }] }] })], want: [['PN2009', 'warning', 'NetworkPolicy x/dup', 'NetworkPolicy x/dup ingress[1] repeats ingress[0]']] },
  { name: 'the same rule in two policies over the same pods', objs: [np('x', 'one', { podSelector: A, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] }), np('x', 'two', { podSelector: A, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] })], want: [['PN2009', 'warning', 'NetworkPolicy x/two', 'NetworkPolicy x/two ingress[0] repeats ingress[0] of x/one, which selects the same pods']] },
  { name: 'an ANP peer matching nothing', objs: [anp('typo', { priority: 5, subject: { namespaces: {} }, ingress: [{ name: 'from-mon', action: 'Allow', from: [{ namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] }] })], want: [['PN2003', 'warning', 'AdminNetworkPolicy typo', 'AdminNetworkPolicy typo ingress[0].from[0] (from-mon) matches nothing: no pod fits its selectors']] },
  { name: 'a shadowed rule', objs: [np('x', 'shadow', { podSelector: A, ingress: [{ from: [{ podSelector: {} }] }, { from: [{ podSelector: { matchLabels: { pod: 'b' } } }], ports: [{ port: 80 }] }] })], want: [['PN2010', 'info', 'NetworkPolicy x/shadow', 'NetworkPolicy x/shadow ingress[1] allows nothing that ingress[0] does not already allow (for the pods that exist now)']] },
  { name: 'ANPs with equal priority over the same pods', objs: [anp('one', { priority: 5, subject: { namespaces: {} }, ingress: [{ name: 'a', action: 'Allow', from: [{ namespaces: {} }] }] }), anp('two', { priority: 5, subject: { namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'x' } } }, ingress: [{ name: 'b', action: 'Deny', from: [{ namespaces: {} }] }] })], want: [['PN2011', 'warning', 'AdminNetworkPolicy two', 'AdminNetworkPolicies one and two have the same priority (5) and select the same pods: which one wins is up to the implementation']] },
  { name: 'shadowing is compared among the first 200 rules; a longer policy says so (duplicates are still found in all)', objs: [np('x', 'long', { podSelector: A, ingress: [...Array.from({ length: 201 }, (_, i) => ({ ports: [{ port: 1000 + i }] })), { ports: [{ port: 1000 }] }] })], want: [
    ['PN2009', 'warning', 'NetworkPolicy x/long', 'NetworkPolicy x/long ingress[201] repeats ingress[0]'],
    ['PN2010', 'info', 'NetworkPolicy x/long', 'NetworkPolicy x/long has 202 ingress rules: only the first 200 were compared with each other for shadowing'],
  ] },
  { name: 'an ANP rule that never fires', objs: [anp('order', { priority: 5, subject: { namespaces: {} }, ingress: [{ name: 'all', action: 'Allow', from: [{ namespaces: {} }] }, { name: 'y', action: 'Deny', from: [{ namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'y' } } }] }] })], want: [['PN2010', 'warning', 'AdminNetworkPolicy order', 'AdminNetworkPolicy order ingress[1] (y) never decides anything: the earlier rule all (Allow) matches all its peers first (for the pods that exist now)']] },
  { name: 'ANP under a CNI that does not implement it', config: { cni: 'cilium' }, objs: [anp('deny', { priority: 5, subject: { namespaces: {} }, ingress: [{ name: 'a', action: 'Deny', from: [{ namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'z' } } }] }] })], want: [['PN2012', 'warning', 'AdminNetworkPolicy deny', 'the cluster\'s CNI (cilium) does not implement AdminNetworkPolicy/BaselineAdminNetworkPolicy: 1 such policy has no effect']] },
];

for (const c of CASES) {
  test(`lint: ${c.name}`, () => {
    const findings = lintPolicies(loadModel([...e2eObjects(), ...c.objs], c.config));
    assert.deepEqual(findings.map((f) => [f.code, f.severity, `${f.object.kind} ${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name}`, f.message]), c.want);
    for (const f of findings) {
      assert.equal(f.source?.file, '<text>');
      assert.ok(f.hint.length > 10);
    }
  });
}

test('lint: findings point at the line the policy starts on', () => {
  const findings = lintPolicies(loadModel([...e2eObjects(), np('x', 'typo', { podSelector: { matchLabels: { app: 'none' } } })]));
  // 3 namespaces + 9 pods before it, one JSON document per line, separated by `---` lines.
  assert.deepEqual(findings.map((f) => f.source), [{ file: '<text>', line: 25 }]);
});
