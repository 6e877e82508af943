// Networking columns: NetworkPolicy, Ingress, IngressClass (kubectl's printers.go), and the printer columns the
// Gateway API and network-policy-api CRDs declare (additionalPrinterColumns), which kubectl prints for them.
import { formatLabelSelector, loadBalancerStatus } from './format.js';
import { age, type TableDef } from './table-types.js';

type Obj = Record<string, any>;

/** formatHosts: up to three hosts, `*` when no rule names one. */
function ingressHosts(rules: Obj[] | undefined): string {
  const list: string[] = [];
  let more = false;
  for (const rule of rules ?? []) {
    if (list.length === 3) more = true;
    if (!more && rule.host) list.push(rule.host);
  }
  if (list.length === 0) return '*';
  const ret = list.join(',');
  return more ? `${ret} + ${(rules ?? []).length - 3} more...` : ret;
}

const conditionStatus = (o: Obj, type: string) => ((o.status?.conditions ?? []) as Obj[]).find((c) => c.type === type)?.status ?? '';

export const NETWORKING_TABLES: Record<string, TableDef> = {
  NetworkPolicy: {
    columns: ['Name', 'Pod-Selector', 'Age'],
    wideColumns: [],
    cells: (p, ctx) => [p.metadata.name, formatLabelSelector(p.spec?.podSelector ?? {}), age(p, ctx)],
  },
  Ingress: {
    columns: ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age'],
    wideColumns: [],
    cells: (i, ctx) => [i.metadata.name, i.spec?.ingressClassName ?? '<none>', ingressHosts(i.spec?.rules), loadBalancerStatus(i.status?.loadBalancer?.ingress, ctx.wide), (i.spec?.tls ?? []).length ? '80, 443' : '80', age(i, ctx)],
  },
  IngressClass: {
    columns: ['Name', 'Controller', 'Parameters', 'Age'],
    wideColumns: [],
    cells: (c, ctx) => {
      const p = c.spec?.parameters;
      const params = p ? `${p.kind}${p.apiGroup ? `.${p.apiGroup}` : ''}/${p.name}` : '<none>';
      return [c.metadata.name, c.spec?.controller ?? '', params, age(c, ctx)];
    },
  },
  GatewayClass: {
    columns: ['Name', 'Controller', 'Accepted', 'Age'],
    wideColumns: ['Description'],
    cells: (g, ctx) => [g.metadata.name, g.spec?.controllerName ?? '', conditionStatus(g, 'Accepted'), age(g, ctx)],
    wideCells: (g) => [g.spec?.description ?? ''],
  },
  Gateway: {
    columns: ['Name', 'Class', 'Address', 'Programmed', 'Age'],
    wideColumns: [],
    cells: (g, ctx) => [g.metadata.name, g.spec?.gatewayClassName ?? '', ((g.status?.addresses ?? []) as Obj[]).map((a) => a.value).join(','), conditionStatus(g, 'Programmed'), age(g, ctx)],
  },
  // CRD columns whose JSONPath yields an array print it as JSON, as the apiextensions table convertor does.
  HTTPRoute: {
    columns: ['Name', 'Hostnames', 'Age'],
    wideColumns: [],
    cells: (r, ctx) => [r.metadata.name, r.spec?.hostnames?.length ? JSON.stringify(r.spec.hostnames) : '', age(r, ctx)],
  },
  GRPCRoute: {
    columns: ['Name', 'Hostnames', 'Age'],
    wideColumns: [],
    cells: (r, ctx) => [r.metadata.name, r.spec?.hostnames?.length ? JSON.stringify(r.spec.hostnames) : '', age(r, ctx)],
  },
  AdminNetworkPolicy: {
    columns: ['Name', 'Priority', 'Age'],
    wideColumns: [],
    cells: (p, ctx) => [p.metadata.name, p.spec?.priority !== undefined ? String(p.spec.priority) : '', age(p, ctx)],
  },
  // The CRD's additionalPrinterColumns: Tier, Priority, Age.
  ClusterNetworkPolicy: {
    columns: ['Name', 'Tier', 'Priority', 'Age'],
    wideColumns: [],
    cells: (p, ctx) => [p.metadata.name, typeof p.spec?.tier === 'string' ? p.spec.tier : '', p.spec?.priority !== undefined ? String(p.spec.priority) : '', age(p, ctx)],
  },
};
