// ReferenceGrant (gateway.networking.k8s.io/v1beta1): a cross-namespace reference is permitted only when a grant in the
// *target* namespace lists the referrer's group/kind/namespace in `from` and the target's group/kind (and name, when
// given) in `to`. Same-namespace references need no grant.
import type { KubeObject } from '../api/types.js';
import type { Cluster } from '../cluster/cluster.js';

type Obj = Record<string, any>;
export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

export interface RefFrom { group: string; kind: string; namespace: string }
export interface RefTo { group: string; kind: string; namespace: string; name: string }

export function referencePermitted(cluster: Cluster, from: RefFrom, to: RefTo): boolean {
  if (from.namespace === to.namespace) return true;
  for (const grant of cluster.list<KubeObject & { spec?: Obj }>('ReferenceGrant', to.namespace)) {
    const froms = (grant.spec?.from ?? []) as Obj[];
    const tos = (grant.spec?.to ?? []) as Obj[];
    const fromOk = froms.some((f) => (f.group ?? '') === from.group && f.kind === from.kind && f.namespace === from.namespace);
    if (!fromOk) continue;
    const toOk = tos.some((t) => (t.group ?? '') === to.group && t.kind === to.kind && (t.name === undefined || t.name === '' || t.name === to.name));
    if (toOk) return true;
  }
  return false;
}
