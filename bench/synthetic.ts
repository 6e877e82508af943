// A synthetic cluster for benchmarks: N pods in M namespaces behind K Services, with P NetworkPolicies of mixed
// shapes (default-deny, pod/namespace selectors with matchExpressions, named ports, endPort ranges, ipBlocks with
// except, DNS egress). Deterministic: the same options and seed give the same manifests.
import type { KubeObject } from '../src/api/types.js';
import type { LoadedObject } from '../src/api/load.js';
import { Cluster } from '../src/cluster/cluster.js';

export interface SyntheticOptions {
  pods: number;
  namespaces: number;
  services: number;
  policies: number;
  /** Nodes in the generated ClusterConfig (each has a /24 of pod addresses, so at least pods/250). */
  nodes?: number;
  seed?: number;
  cni?: string;
}

type Obj = Record<string, any>;

/** The seeded PRNG the synthetic clusters use (re-exported for the benches). */
export { seededRandom as rng } from '../src/util/prng.js';
import { seededRandom as rng } from '../src/util/prng.js';

const TIERS = [
  { tier: 'web', ports: [{ name: 'http', containerPort: 8080 }] },
  { tier: 'api', ports: [{ name: 'http', containerPort: 8080 }, { name: 'grpc', containerPort: 9090 }] },
  { tier: 'db', ports: [{ name: 'pg', containerPort: 5432 }] },
  { tier: 'cache', ports: [{ name: 'redis', containerPort: 6379 }] },
];
const ENVS = ['prod', 'staging', 'dev'];

/** The manifests as plain objects: a ClusterConfig, Namespaces, Deployments, Services, NetworkPolicies. */
export function syntheticObjects(opts: SyntheticOptions): KubeObject[] {
  const rand = rng(opts.seed ?? 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const nodes = opts.nodes ?? Math.max(2, Math.ceil(opts.pods / 100));
  const objs: Obj[] = [{ apiVersion: 'podnet.dev/v1alpha1', kind: 'ClusterConfig', metadata: { name: 'synthetic' }, spec: { nodeCount: nodes, cni: opts.cni ?? 'calico' } }];
  const nsNames = Array.from({ length: opts.namespaces }, (_, i) => `ns-${String(i).padStart(4, '0')}`);
  nsNames.forEach((name, i) => objs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { env: ENVS[i % ENVS.length], team: `team-${i % 20}` } } }));

  // Deployments: pods spread over namespaces, 5 replicas each (the last one takes the remainder).
  const deployments: { ns: string; app: string; tier: (typeof TIERS)[number] }[] = [];
  let left = opts.pods;
  let d = 0;
  while (left > 0) {
    const ns = nsNames[d % nsNames.length];
    const replicas = Math.min(5, left);
    const tier = TIERS[Math.floor(d / nsNames.length) % TIERS.length];
    const app = `app-${d}`;
    deployments.push({ ns, app, tier });
    objs.push({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: app, namespace: ns },
      spec: {
        replicas, selector: { matchLabels: { app } },
        template: { metadata: { labels: { app, tier: tier.tier } }, spec: { containers: [{ name: 'main', image: 'registry.k8s.io/e2e-test-images/agnhost:2.47', ports: tier.ports.map((p) => ({ ...p, protocol: 'TCP' })) }] } },
      },
    });
    left -= replicas;
    d++;
  }
  for (let s = 0; s < opts.services; s++) {
    const dep = deployments[s % deployments.length];
    objs.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${s}`, namespace: dep.ns }, spec: { selector: { app: dep.app }, ports: dep.tier.ports.map((p) => ({ name: p.name, port: p.containerPort === 8080 ? 80 : p.containerPort, targetPort: p.name })) } });
  }

  // Policies: a mix of shapes, spread over namespaces.
  for (let p = 0; p < opts.policies; p++) {
    const ns = nsNames[p % nsNames.length];
    const tier = pick(TIERS);
    const name = `pol-${p}`;
    const meta = { name, namespace: ns };
    const np = (spec: Obj) => objs.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta, spec });
    switch (p % 8) {
      case 0: np({ podSelector: {}, policyTypes: ['Ingress'] }); break;
      case 1: np({ podSelector: { matchLabels: { tier: tier.tier } }, ingress: [{ from: [{ podSelector: { matchLabels: { tier: 'web' } } }, { namespaceSelector: { matchLabels: { env: pick(ENVS) } }, podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['api', 'web'] }] } }], ports: [{ port: tier.ports[0].name }] }] }); break;
      case 2: np({ podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] }, { to: [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In', values: [`team-${p % 20}`, `team-${(p + 1) % 20}`] }] } }] }] }); break;
      case 3: np({ podSelector: { matchLabels: { tier: tier.tier } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '169.254.169.254/32'] } }], ports: [{ port: 443 }] }, { to: [{ podSelector: {} }] }] }); break;
      case 4: np({ podSelector: { matchLabels: { app: pick(deployments).app } }, ingress: [{ from: [{ ipBlock: { cidr: `192.168.${p % 256}.0/24` } }], ports: [{ port: 8000, endPort: 9000 }] }] }); break;
      case 5: np({ podSelector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: `team-${p % 20}` } } }] }] }); break;
      case 6: np({ podSelector: { matchLabels: { tier: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { tier: 'api' } } }], ports: [{ port: 'pg' }] }] }); break;
      default: np({ podSelector: { matchLabels: { tier: tier.tier } }, ingress: [{ from: [{ ipBlock: { cidr: `10.244.${p % 100}.0/24`, except: [`10.244.${p % 100}.128/25`] } }] }] });
    }
  }
  return objs as KubeObject[];
}

/** The same as YAML-stream text (JSON documents), for `podnet -f`. */
export function syntheticText(opts: SyntheticOptions): string {
  return syntheticObjects(opts).map((o) => JSON.stringify(o)).join('\n---\n') + '\n';
}

/** Builds the cluster directly from the objects (no parsing). */
export function syntheticCluster(opts: SyntheticOptions): Cluster {
  const loaded: LoadedObject[] = syntheticObjects(opts).map((object, i) => ({ object, source: { file: '<synthetic>', line: i + 1 } }));
  return Cluster.build(loaded);
}
