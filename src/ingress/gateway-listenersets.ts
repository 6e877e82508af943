// ListenerSet (gateway.networking.k8s.io/v1, GEP-1713): listeners a Gateway takes from other objects. The Gateway
// says which it accepts (spec.allowedListeners.namespaces.from: None by default, Same, All, Selector); the merged
// listener list is the Gateway's own first, then ListenerSets oldest first, then by namespace/name; a listener that
// conflicts with one earlier in that order (same port: another protocol family → ProtocolConflict, same hostname →
// HostnameConflict) is the one conflicted, Accepted and Programmed False with the conflict's reason. Sources:
// apis/v1/listenerset_types.go (conditions and reasons), apis/v1/gateway_types.go (AllowedListeners,
// AttachedListenerSets), conformance/tests/listenerset-*.go.
import type { Diagnostic } from '../api/diagnostics.js';
import { compileLabelSelector } from '../api/labels.js';
import type { KubeObject } from '../api/types.js';
import type { Cluster } from '../cluster/cluster.js';
import { cond, type Condition } from './conditions.js';
import { compileListener, finishListener, portFamily, type CompiledGateway, type CompiledListener } from './gateway-listeners.js';
import { GATEWAY_GROUP } from './refgrant.js';

type Obj = Record<string, any>;
export type ListenerSetObj = KubeObject & { spec: Obj };

export interface CompiledListenerSet {
  listenerSet: ListenerSetObj;
  /** Selected by the Gateway's allowedListeners. */
  allowed: boolean;
  /** Its listeners (empty when not allowed), each with its own conditions. */
  listeners: CompiledListener[];
  conditions: Condition[];
  accepted: boolean;
}

function created(o: KubeObject): number {
  return o.metadata.creationTimestamp ? Date.parse(o.metadata.creationTimestamp) : 0;
}

/** The ListenerSets whose parentRef names the Gateway, in the merge order, with listeners, conflicts and status. */
export function compileListenerSets(cluster: Cluster, g: CompiledGateway, diags: Diagnostic[]): CompiledListenerSet[] {
  const gw = g.gateway;
  const gwNs = gw.metadata.namespace ?? 'default';
  const sets = cluster.list<ListenerSetObj>('ListenerSet').filter((ls) => {
    const p = ls.spec?.parentRef ?? {};
    return (p.group ?? GATEWAY_GROUP) === GATEWAY_GROUP && (p.kind ?? 'Gateway') === 'Gateway' && p.name === gw.metadata.name && (p.namespace ?? ls.metadata.namespace) === gwNs;
  }).sort((a, b) => (created(a) - created(b)) || (`${a.metadata.namespace}/${a.metadata.name}` < `${b.metadata.namespace}/${b.metadata.name}` ? -1 : 1));
  const allowed = allowedListeners(cluster, gw);
  const earlier: CompiledListener[] = g.listeners.filter((l) => l.programmed || l.conditions.some((c) => c.type === 'Accepted' && c.status === 'True'));
  const gatewayAccepted = g.conditions.some((c) => c.type === 'Accepted' && c.status === 'True');
  return sets.map((ls) => {
    const gen = ls.metadata.generation ?? 1;
    if (!allowed(ls.metadata.namespace ?? 'default')) {
      const msg = `Gateway ${gwNs}/${gw.metadata.name} does not allow ListenerSets from namespace ${ls.metadata.namespace} (spec.allowedListeners)`;
      return { listenerSet: ls, allowed: false, listeners: [], accepted: false, conditions: [cond('Accepted', false, 'NotAllowed', msg, gen), cond('Programmed', false, 'NotAllowed', msg, gen)] };
    }
    if (!gatewayAccepted) {
      const msg = `the parent Gateway ${gwNs}/${gw.metadata.name} is not accepted`;
      return { listenerSet: ls, allowed: true, listeners: [], accepted: false, conditions: [cond('Accepted', false, 'ParentNotAccepted', msg, gen), cond('Programmed', false, 'ParentNotAccepted', msg, gen)] };
    }
    const listeners = ((ls.spec?.listeners ?? []) as Obj[]).map((l) => compileListener(cluster, gw, l, diags, ls));
    for (const l of listeners) {
      const conflict = conflictWith(l, earlier);
      if (conflict) {
        const accepted = l.conditions.findIndex((c) => c.type === 'Accepted');
        l.conditions[accepted] = cond('Accepted', false, conflict.reason, conflict.message, gen);
      }
      l.conditions.splice(1, 0, conflict ? cond('Conflicted', true, conflict.reason, conflict.message, gen) : cond('Conflicted', false, 'NoConflicts', 'No conflicts', gen));
      finishListener(cluster, l, diags);
      if (!conflict) earlier.push(l);
    }
    const valid = listeners.filter((l) => l.programmed).length;
    const conditions = valid === listeners.length
      ? [cond('Accepted', true, 'Accepted', 'ListenerSet is accepted', gen), cond('Programmed', true, 'Programmed', 'ListenerSet is programmed', gen)]
      : valid > 0
        ? [cond('Accepted', true, 'ListenersNotValid', `${listeners.length - valid} of ${listeners.length} listeners are not valid`, gen), cond('Programmed', true, 'Programmed', 'ListenerSet is programmed', gen)]
        : [cond('Accepted', false, 'ListenersNotValid', 'No listener is valid', gen), cond('Programmed', false, 'ListenersNotValid', 'No listener is valid', gen)];
    return { listenerSet: ls, allowed: true, listeners, conditions, accepted: valid > 0 };
  });
}

function allowedListeners(cluster: Cluster, gw: KubeObject & { spec: Obj }): (ns: string) => boolean {
  const from = gw.spec?.allowedListeners?.namespaces?.from ?? 'None';
  const gwNs = gw.metadata.namespace ?? 'default';
  if (from === 'All') return () => true;
  if (from === 'Same') return (ns) => ns === gwNs;
  if (from === 'Selector') {
    const match = compileLabelSelector(gw.spec.allowedListeners.namespaces.selector ?? {});
    return (ns) => match(cluster.get<KubeObject>('Namespace', '', ns)?.metadata.labels ?? { 'kubernetes.io/metadata.name': ns });
  }
  return () => false;
}

function conflictWith(l: CompiledListener, earlier: CompiledListener[]): { reason: string; message: string } | undefined {
  for (const o of earlier) {
    if (o.port !== l.port) continue;
    const where = o.listenerSet ? `ListenerSet ${o.listenerSet.metadata.namespace}/${o.listenerSet.metadata.name}` : `Gateway ${o.gateway.metadata.namespace}/${o.gateway.metadata.name}`;
    if (portFamily(o.protocol) !== portFamily(l.protocol)) return { reason: 'ProtocolConflict', message: `listener "${o.name}" of ${where}, earlier in precedence, uses port ${l.port} with protocol ${o.protocol}` };
    if ((o.hostname ?? '') === (l.hostname ?? '')) return { reason: 'HostnameConflict', message: `listener "${o.name}" of ${where}, earlier in precedence, has port ${l.port} and hostname ${l.hostname ?? '(none)'}` };
  }
  return undefined;
}

/** The ListenerSet's status as its controller writes it. */
export function listenerSetStatus(s: CompiledListenerSet): Obj {
  return {
    conditions: s.conditions,
    ...(s.listeners.length > 0 ? { listeners: s.listeners.map((l) => ({ name: l.name, supportedKinds: l.supportedKinds, attachedRoutes: l.attachedRoutes, conditions: l.conditions })) } : {}),
  };
}
