// The one findings list: every error, warning and hint a user can be shown about a cluster, from the one diagnostics
// catalogue (PN1xxx manifests and controllers, PN2xxx policy lint, PN3xxx DNS, PN4xxx routing, PN5xxx mesh, and the
// Services' own codes), in one shape. `podnet validate`, `podnet lint`, `podnet mesh analyze`, the lab's banner, its
// API (/api/summary) and the UI's Findings tab all print from here, each choosing the components it covers.
import type { Diagnostic } from '../api/diagnostics.js';
import type { ObjectRef, SourceRef } from '../api/types.js';
import { BUILTIN_SOURCE, type Cluster } from '../cluster/cluster.js';
import { compileDns } from '../dns/index.js';
import { routingModelOf } from '../ingress/index.js';
import { analyzeMesh, compileMesh, meshModelOf } from '../mesh/index.js';
import { lintPolicies, policyModelOf } from '../policy/index.js';
import { serviceDiagnostics } from '../services/index.js';

/** Where a finding comes from: the API server and controllers, or the component compiled over the cluster. */
export type FindingComponent = 'manifests' | 'services' | 'routing' | 'dns' | 'policy' | 'mesh';

export const ALL_COMPONENTS: readonly FindingComponent[] = ['manifests', 'services', 'routing', 'dns', 'policy', 'mesh'];

export interface Finding {
  code: string;
  level: 'error' | 'warning' | 'info';
  message: string;
  object?: ObjectRef;
  source?: SourceRef;
  /** How to fix it, where the component knows (policy lint). */
  hint?: string;
  /** The istioctl analyze message a mesh finding mirrors (`IST0101`, `ReferencedResourceNotFound`). */
  istio?: { code: string; name: string };
  component: FindingComponent;
}

export interface FindingsOptions {
  /** Default: every component. */
  components?: readonly FindingComponent[];
  /** The DNS model's diagnostics when the caller compiled it already (the lab's snapshot). */
  dnsDiagnostics?: readonly Diagnostic[];
  /** Istio's root namespace, when not istio-system. */
  meshRootNamespace?: string;
  /** Include the mesh's info-level messages (IST0102, IST0131…), which istioctl analyze hides below its default threshold. */
  meshInfo?: boolean;
}

/**
 * The findings of the chosen components, in component order (each in its own order). Findings about objects podnet
 * added itself (kube-dns, ingress-nginx...) are left out for the components' checks: they describe the emulated
 * platform, not the user's manifests. Lint repeats the API server's refusals of policies (PN1xxx): with the
 * manifests' findings in the list they are said once.
 */
export function clusterFindings(cluster: Cluster, opts: FindingsOptions = {}): Finding[] {
  const want = new Set(opts.components ?? ALL_COMPONENTS);
  const out: Finding[] = [];
  const add = (component: FindingComponent, diags: readonly Diagnostic[]) => {
    for (const d of diags) out.push({ ...d, component });
  };
  if (want.has('manifests')) add('manifests', cluster.diagnostics);
  const own = (d: { source?: SourceRef }) => d.source?.file !== BUILTIN_SOURCE.file;
  if (want.has('services')) add('services', serviceDiagnostics(cluster).filter(own));
  if (want.has('routing')) add('routing', routingModelOf(cluster).diagnostics.filter(own));
  if (want.has('dns')) add('dns', (opts.dnsDiagnostics ?? compileDns(cluster).diagnostics).filter(own));
  if (want.has('policy')) {
    for (const f of lintPolicies(policyModelOf(cluster))) {
      if (want.has('manifests') && f.code.startsWith('PN1')) continue;
      if (!own(f)) continue;
      out.push({ code: f.code, level: f.severity, message: f.message, object: f.object, source: f.source, hint: f.hint, component: 'policy' });
    }
  }
  if (want.has('mesh')) {
    const mesh = opts.meshRootNamespace && opts.meshRootNamespace !== 'istio-system' ? compileMesh(cluster, { rootNamespace: opts.meshRootNamespace }) : meshModelOf(cluster);
    add('mesh', analyzeMesh(mesh).filter((d) => own(d) && (opts.meshInfo || d.level !== 'info')));
  }
  const seen = new Set<string>();
  return out.filter((f) => {
    const k = `${f.code}|${f.object?.kind}/${f.object?.namespace}/${f.object?.name}|${f.source?.file}:${f.source?.line}|${f.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * The object a finding is about as people name it: `NetworkPolicy app/deny-all` (`Namespace app` for a cluster-scoped
 * one); `/` between kind and name where a name must be one token (SARIF's logical locations). Null when it has none.
 */
export function findingObjectText(f: Pick<Finding, 'object'>, kindSeparator: ' ' | '/' = ' '): string | null {
  return f.object ? `${f.object.kind}${kindSeparator}${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name}` : null;
}

export function countFindings(findings: readonly Finding[]): { errors: number; warnings: number; info: number } {
  const n = (l: Finding['level']) => findings.filter((f) => f.level === l).length;
  return { errors: n('error'), warnings: n('warning'), info: n('info') };
}
