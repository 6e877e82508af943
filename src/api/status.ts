// Status from a dump is data podnet reads (pod IPs, readiness, node addresses, load balancer addresses), but the API
// server never validates status on create. So each status field podnet reads is checked for its type here; a field
// that does not fit is dropped with a warning naming it, and the object is still loaded.
import { isValidIP } from '../net/cidr.js';
import type { KubeObject } from './types.js';

type Obj = Record<string, any>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

export interface StatusWarning { field: string; value: unknown; detail: string }

/** Returns the warnings; mutates `obj.status` (a defaulted copy) so that it holds only well-formed fields. */
export function sanitizeStatus(obj: KubeObject): StatusWarning[] {
  const warnings: StatusWarning[] = [];
  const o = obj as Obj;
  if (o.status === undefined) return warnings;
  if (!isObj(o.status)) {
    warnings.push({ field: 'status', value: o.status, detail: 'must be an object; ignored' });
    delete o.status;
    return warnings;
  }
  const st = o.status;
  const drop = (key: string, detail: string, holder: Obj = st, path = `status.${key}`) => {
    warnings.push({ field: path, value: holder[key], detail: `${detail}; ignored` });
    delete holder[key];
  };
  const ipField = (key: string) => {
    if (st[key] !== undefined && !(isStr(st[key]) && (st[key] === '' || isValidIP(st[key])))) drop(key, 'must be a valid IP address');
  };
  const ipList = (key: string) => {
    if (st[key] === undefined) return;
    if (!Array.isArray(st[key]) || !st[key].every((e: unknown) => isObj(e) && isStr(e.ip) && isValidIP(e.ip))) drop(key, 'must be a list of {ip: <address>}');
  };
  const objList = (key: string, check: (e: Obj) => boolean, detail: string) => {
    if (st[key] === undefined) return;
    if (!Array.isArray(st[key]) || !st[key].every((e: unknown) => isObj(e) && check(e))) drop(key, detail);
  };
  switch (obj.kind) {
    case 'Pod':
      if (st.phase !== undefined && !['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'].includes(st.phase)) drop('phase', 'must be one of Pending, Running, Succeeded, Failed, Unknown');
      ipField('podIP');
      ipField('hostIP');
      ipList('podIPs');
      ipList('hostIPs');
      objList('conditions', (c) => isStr(c.type) && isStr(c.status), 'must be a list of {type, status}');
      objList('containerStatuses', (c) => isStr(c.name), 'must be a list of container statuses with a name');
      break;
    case 'Node':
      objList('addresses', (a) => isStr(a.type) && isStr(a.address), 'must be a list of {type, address}');
      if (st.allocatable !== undefined && !isObj(st.allocatable)) drop('allocatable', 'must be an object');
      objList('conditions', (c) => isStr(c.type) && isStr(c.status), 'must be a list of {type, status}');
      break;
    case 'Service': {
      if (st.loadBalancer === undefined) break;
      if (!isObj(st.loadBalancer)) { drop('loadBalancer', 'must be an object'); break; }
      const ing = st.loadBalancer.ingress;
      if (ing !== undefined && (!Array.isArray(ing) || !ing.every((e: unknown) => isObj(e) && ((isStr(e.ip) && isValidIP(e.ip)) || isStr(e.hostname))))) {
        drop('ingress', 'must be a list of {ip} or {hostname}', st.loadBalancer, 'status.loadBalancer.ingress');
      }
      break;
    }
  }
  return warnings;
}
