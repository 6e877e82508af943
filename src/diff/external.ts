// Verdicts between each class of pods and each external peer (peers.ts), per direction and probe interval, computed
// once per set of deciding policies rather than per class.
import type { PolicyModel, Protocol } from '../policy/index.js';
import { ipEnd, podEnd, type PodClass } from '../policy/index.js';
import { evaluateDirection } from '../policy/evaluate.js';
import type { PortSpec } from '../policy/ports.js';
import { cidrHas, type IpBlock } from '../policy/select.js';
import { blocksOfRules, type ExternalPeer } from './peers.js';
import type { PortGrid } from './ports.js';

/** The policies deciding one direction for a class: classes with the same ones (and ports, for ingress) decide alike. */
function directionPolicies(model: PolicyModel, c: PodClass, dir: 'Ingress' | 'Egress'): { key: string; rules: { ports: PortSpec[] | null; blocks: IpBlock[] }[] } {
  const ports = dir === 'Ingress' ? c.ports.map((p) => `${p.name ?? ''}/${p.protocol}/${p.containerPort}`).join(',') : '';
  const key = `${dir}|${c.hostNetwork ? 'host' : ''}|${model.adminFor[c.id].join(',')}|${model.isolatedBy[dir][c.id].join(',')}|${model.baselineFor[c.id].join(',')}|${ports}`;
  const rules = [
    ...model.adminFor[c.id].flatMap((i) => model.adminPolicies[i].rules[dir].map((r) => ({ ports: r.ports, blocks: r.peers.flatMap((p) => p.networks ?? []) }))),
    ...model.isolatedBy[dir][c.id].flatMap((i) => model.networkPolicies[i].rules[dir].map((r) => ({ ports: r.ports, blocks: r.peers.flatMap((p) => (p.ipBlock ? [p.ipBlock] : [])) }))),
    ...model.baselineFor[c.id].flatMap((i) => model.baselinePolicies[i].rules[dir].map((r) => ({ ports: r.ports, blocks: r.peers.flatMap((p) => p.networks ?? []) }))),
  ];
  return { key, rules };
}

/**
 * Per class and direction (egress to, ingress from), per external peer: the state string over the grid. A verdict
 * depends only on the class's deciding policies, on which of their CIDRs hold the peer, and on the port up to the
 * ports those policies name, so it is evaluated once per such combination. Classes not in `only` get no states.
 */
export function externalStates(model: PolicyModel, grid: PortGrid, peers: readonly ExternalPeer[], only?: ReadonlySet<number>): Map<string, string>[][] {
  const ends = peers.map((p) => ipEnd(model, p.ip));
  const byKey = new Map<string, Map<string, string>>();
  return model.index.classes.map((c) => (only && !only.has(c.id) ? [] : (['Egress', 'Ingress'] as const).map((dir) => {
    const { key, rules } = directionPolicies(model, c, dir);
    let result = byKey.get(key);
    if (result) return result;
    result = new Map();
    byKey.set(key, result);
    const cidrs = rules.flatMap((r) => blocksOfRules(r.blocks));
    // The probe intervals these policies can tell apart: the grid interval maps to the last local probe at or below it.
    const local = new Map<Protocol, number[]>();
    for (const proto of grid.protocols) local.set(proto, [1]);
    for (const r of rules) for (const p of r.ports ?? []) if (p.port !== undefined) local.get(p.protocol)?.push(p.port, (p.endPort ?? p.port) + 1);
    if (dir === 'Ingress') for (const p of c.ports) local.get(p.protocol)?.push(p.containerPort, p.containerPort + 1);
    for (const l of local.values()) l.sort((x, y) => x - y);
    const probeOf = (iv: number) => { const l = local.get(grid.protocolOf[iv])!; let best = 1; for (const p of l) if (p <= grid.starts[iv]) best = p; return best; };
    const probes = Array.from({ length: grid.size }, (_, iv) => probeOf(iv));
    const bySig = new Map<string, string>();
    const pod = podEnd(model, c.pods[0]) as Extract<ReturnType<typeof podEnd>, { kind: 'pod' }>;
    peers.forEach((peer, k) => {
      const sig = cidrs.map((x) => (cidrHas(x, peer.ip) ? '1' : '0')).join('');
      let s = bySig.get(sig);
      if (s === undefined) {
        s = '';
        const at = new Map<string, string>();
        for (let iv = 0; iv < grid.size; iv++) {
          if (!model.enforced || c.hostNetwork) { s += '2'; continue; }
          const pk = `${grid.protocolOf[iv]}/${probes[iv]}`;
          let v = at.get(pk);
          if (v === undefined) at.set(pk, (v = evaluateDirection(model, dir, pod, ends[k], grid.protocolOf[iv], probes[iv]).allowed ? '2' : '0'));
          s += v;
        }
        bySig.set(sig, s);
      }
      result!.set(peer.name, s);
    });
    return result;
  })));
}

