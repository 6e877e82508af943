// Small formatters kubectl's printers and describers share, with Go's semantics (byte-order sorting, `<none>` for
// empty values, selector strings as apimachinery's labels.Selector.String() writes them).

type Obj = Record<string, any>;

/** Go's sort.Strings order: by UTF-16 code units, which equals byte order for the ASCII names Kubernetes allows. */
export function goCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortedKeys(m: Record<string, unknown> | undefined | null): string[] {
  return Object.keys(m ?? {}).sort(goCompare);
}

/** labels.FormatLabels: `k=v,k2=v2` sorted by key, `<none>` when empty. */
export function formatLabels(m: Record<string, string> | undefined | null): string {
  const keys = sortedKeys(m);
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${m![k]}`).join(',');
}

/**
 * metav1.LabelSelectorAsSelector(sel).String(): requirements sorted by key; matchLabels as `k=v`, `k in (a,b)`,
 * `k notin (a,b)`, `k`, `!k`. Empty for a nil or empty selector.
 */
export function selectorString(sel: Obj | undefined | null): string {
  if (!sel) return '';
  const reqs: { key: string; text: string }[] = [];
  for (const [k, v] of Object.entries((sel.matchLabels ?? {}) as Record<string, string>)) reqs.push({ key: k, text: `${k}=${v}` });
  for (const e of (sel.matchExpressions ?? []) as Obj[]) {
    const values = [...((e.values ?? []) as string[])].sort(goCompare).join(',');
    switch (e.operator) {
      case 'In': reqs.push({ key: e.key, text: `${e.key} in (${values})` }); break;
      case 'NotIn': reqs.push({ key: e.key, text: `${e.key} notin (${values})` }); break;
      case 'Exists': reqs.push({ key: e.key, text: e.key }); break;
      case 'DoesNotExist': reqs.push({ key: e.key, text: `!${e.key}` }); break;
      default: reqs.push({ key: e.key, text: `${e.key} ${String(e.operator).toLowerCase()} (${values})` });
    }
  }
  return reqs.sort((a, b) => goCompare(a.key, b.key)).map((r) => r.text).join(',');
}

/** metav1.FormatLabelSelector: the selector string, `<none>` when it selects everything or nothing. */
export function formatLabelSelector(sel: Obj | undefined | null): string {
  const s = selectorString(sel);
  return s === '' ? '<none>' : s;
}

/** layoutContainerCells: container names and images, comma-joined. */
export function layoutContainerCells(containers: Obj[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? '').join(','), list.map((c) => c.image ?? '').join(',')];
}

/** The Go text of an intstr (targetPort, NetworkPolicy port): numbers as numbers, names as names. */
export function intOrString(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  return String(v);
}

/** `<none>` for an empty string (describe's stringOrNone). */
export function stringOrNone(s: string | undefined | null): string {
  return s ? s : '<none>';
}

export { joinHostPort } from '../../util/text.js';

/** Which group a resource belongs to, from its apiVersion (`apps/v1` -> `apps`, `v1` -> ``). */
export function groupOf(apiVersion: string | undefined): string {
  const v = apiVersion ?? '';
  return v.includes('/') ? v.split('/')[0] : '';
}

/** loadBalancerStatusStringer: the unique ingress IPs/hostnames, sorted; clipped to 16 bytes unless wide. */
export function loadBalancerStatus(ingress: Obj[] | undefined, wide: boolean): string {
  const set = new Set<string>();
  for (const i of ingress ?? []) {
    if (i.ip) set.add(i.ip);
    else if (i.hostname) set.add(i.hostname);
  }
  let r = [...set].sort(goCompare).join(',');
  if (!wide && r.length > 16) r = r.slice(0, 13) + '...';
  return r;
}

