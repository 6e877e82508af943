// Services: ValidateService and ValidateServiceClusterIPsRelatedFields (pkg/apis/core/validation/validation.go),
// after the defaulting and create strategy the API server applies first: type ClusterIP, sessionAffinity None,
// protocol TCP, targetPort = port, externalTrafficPolicy Cluster when externally accessible, ClientIP timeout
// 10800, and clusterIP / clusterIPs copied into each other.
import { fieldErr } from '../field-errors.js';
import {
  CIDR_DETAIL, IP_DETAIL, isDNS1123Label, isDNS1123Subdomain, isIPv4Like, isValidPortName, isValidPortNum, parseCIDRSloppy,
  parseIPSloppy, specialIPErrors,
} from './format.js';
import { validateLabelName, validateLabels } from './meta.js';
import { PROTOCOLS } from './pod.js';
import { arr, at, child, has, int, intOrStr, obj, objsOf, optInt, optObj, optStr, str, strList, type Errs, type Rec } from './json.js';

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const IP_FAMILIES = ['IPv4', 'IPv6'];
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const MAX_AFFINITY_SECONDS = 86400;

/** ValidatePortNumOrName for an IntOrString: a number in range, or an IANA service name. */
export function validatePortNumOrName(port: number | string, path: string, errs: Errs): void {
  const msgs = typeof port === 'number' ? isValidPortNum(port) : isValidPortName(port);
  for (const m of msgs) errs.push(fieldErr.invalid(path, port, m));
}

/** IsValidIP followed by ValidateNonSpecialIP, as for externalIPs and Endpoints addresses. */
export function validateNonSpecialIP(ip: string, path: string, errs: Errs, withIsValidIP = true): void {
  const parsed = parseIPSloppy(ip);
  if (!parsed) {
    if (withIsValidIP) errs.push(fieldErr.invalid(path, ip, IP_DETAIL));
    // ValidateNonSpecialIP re-parses and says so again, in its own words.
    errs.push(fieldErr.invalid(path, ip, 'must be a valid IP address'));
    return;
  }
  for (const m of specialIPErrors(parsed, ip)) errs.push(fieldErr.invalid(path, ip, m));
}

interface PortKey {
  protocol: string;
  port: number;
  nodePort: number;
}

function validateServicePort(sp: Rec, path: string, requireName: boolean, names: Set<string>, errs: Errs): PortKey {
  const name = str(sp.name, child(path, 'name'), errs);
  if (requireName && name === '') errs.push(fieldErr.required(child(path, 'name')));
  else if (name) {
    for (const m of isDNS1123Label(name)) errs.push(fieldErr.invalid(child(path, 'name'), name, m));
    if (names.has(name)) errs.push(fieldErr.duplicate(child(path, 'name'), name));
    names.add(name);
  }
  const port = int(sp.port, child(path, 'port'), errs);
  if (port !== null) for (const m of isValidPortNum(port)) errs.push(fieldErr.invalid(child(path, 'port'), port, m));
  const protocol = str(sp.protocol, child(path, 'protocol'), errs);
  if (protocol && !(PROTOCOLS as readonly string[]).includes(protocol)) errs.push(fieldErr.notSupported(child(path, 'protocol'), protocol, PROTOCOLS));
  const target = intOrStr(sp.targetPort, child(path, 'targetPort'), errs);
  if (target !== null) {
    // SetDefaults_Service: an unset, 0 or "" targetPort becomes the port (so a bad port is reported twice).
    const effective = target === undefined || target === 0 || target === '' ? port : target;
    if (effective !== null) validatePortNumOrName(effective, child(path, 'targetPort'), errs);
  }
  const appProtocol = optStr(sp.appProtocol, child(path, 'appProtocol'), errs);
  if (typeof appProtocol === 'string') validateLabelName(appProtocol, child(path, 'appProtocol'), errs);
  const nodePort = int(sp.nodePort, child(path, 'nodePort'), errs) ?? 0;
  return { protocol: protocol || 'TCP', port: port ?? 0, nodePort };
}

export function validateServiceSpec(service: Rec, errs: Errs): void {
  const spec = obj(service.spec, 'spec', errs);
  if (spec === null) return;
  const f = (name: string): string => child('spec', name);
  const type = str(spec.type, f('type'), errs);
  const effType = type || 'ClusterIP';
  const clusterIP = str(spec.clusterIP, f('clusterIP'), errs) ?? '';
  let clusterIPs = strList(spec.clusterIPs, f('clusterIPs'), errs) ?? [];
  // The create strategy copies clusterIP into an empty clusterIPs (and the first clusterIPs into an empty clusterIP).
  if (clusterIPs.length === 0 && clusterIP) clusterIPs = [clusterIP];
  const effClusterIP = clusterIP || clusterIPs[0] || '';
  const headless = clusterIPs.length === 1 && clusterIPs[0] === 'None';
  const ipFamilies = strList(spec.ipFamilies, f('ipFamilies'), errs) ?? [];
  const ipFamilyPolicy = optStr(spec.ipFamilyPolicy, f('ipFamilyPolicy'), errs);

  const portsRaw = arr(spec.ports, f('ports'), errs);
  if (portsRaw !== null && portsRaw.length === 0 && !headless && effType !== 'ExternalName') errs.push(fieldErr.required(f('ports')));
  if (effType === 'LoadBalancer' || effType === 'NodePort') {
    if (headless) errs.push(fieldErr.invalid(at(f('clusterIPs'), 0), 'None', `may not be set to 'None' for ${effType} services`));
  } else if (effType === 'ExternalName') {
    if (clusterIPs.length > 0) errs.push(fieldErr.forbidden(f('clusterIPs'), 'may not be set for ExternalName services'));
    if (ipFamilies.length > 0) errs.push(fieldErr.forbidden(f('ipFamilies'), 'may not be set for ExternalName services'));
    if (ipFamilyPolicy !== undefined && ipFamilyPolicy !== null) errs.push(fieldErr.forbidden(f('ipFamilyPolicy'), 'may not be set for ExternalName services'));
    // The value (a CNAME) may end with a dot to mark it fully qualified.
    const externalName = str(spec.externalName, f('externalName'), errs);
    const cname = externalName?.endsWith('.') ? externalName.slice(0, -1) : externalName;
    if (cname) for (const m of isDNS1123Subdomain(cname)) errs.push(fieldErr.invalid(f('externalName'), cname, m));
    else if (cname === '') errs.push(fieldErr.required(f('externalName')));
  }

  const names = new Set<string>();
  const ports = objsOf(portsRaw ?? [], f('ports'), errs).map(([sp, i]) => ({
    i, ...validateServicePort(sp, at(f('ports'), i), (portsRaw ?? []).length > 1, names, errs),
  }));
  validateLabels(spec.selector, f('selector'), errs);

  const affinity = str(spec.sessionAffinity, f('sessionAffinity'), errs);
  if (affinity && affinity !== 'ClientIP' && affinity !== 'None') errs.push(fieldErr.notSupported(f('sessionAffinity'), affinity, ['ClientIP', 'None']));
  const affinityConfig = optObj(spec.sessionAffinityConfig, f('sessionAffinityConfig'), errs);
  if (affinity === 'ClientIP' && affinityConfig) {
    const clientIP = optObj(affinityConfig.clientIP, child(f('sessionAffinityConfig'), 'clientIP'), errs);
    const tPath = child(child(f('sessionAffinityConfig'), 'clientIP'), 'timeoutSeconds');
    const timeout = clientIP ? optInt(clientIP.timeoutSeconds, tPath, errs) : undefined;
    if (typeof timeout === 'number' && (timeout <= 0 || timeout > MAX_AFFINITY_SECONDS)) {
      errs.push(fieldErr.invalid(tPath, timeout, `must be greater than 0 and less than ${MAX_AFFINITY_SECONDS}`));
    }
  } else if ((affinity === '' || affinity === 'None') && affinityConfig !== undefined && affinityConfig !== null) {
    errs.push(fieldErr.forbidden(f('sessionAffinityConfig'), 'must not be set when session affinity is None'));
  }

  if (effType !== 'ExternalName') validateClusterIPs(clusterIP, effClusterIP, clusterIPs, spec, ipFamilies, ipFamilyPolicy, headless, errs);

  const externalIPs = strList(spec.externalIPs, f('externalIPs'), errs) ?? [];
  externalIPs.forEach((ip, i) => validateNonSpecialIP(ip, at(f('externalIPs'), i), errs));

  if (type && !SERVICE_TYPES.includes(type)) errs.push(fieldErr.notSupported(f('type'), type, SERVICE_TYPES));
  if (effType === 'ClusterIP') {
    for (const p of ports) {
      if (p.nodePort !== 0) errs.push(fieldErr.forbidden(child(at(f('ports'), p.i), 'nodePort'), "may not be used when `type` is 'ClusterIP'"));
    }
  }
  const nodePorts = new Set<string>();
  const portKeys = new Set<string>();
  for (const p of ports) {
    if (p.nodePort !== 0) {
      const k = `${p.protocol}/${p.nodePort}`;
      if (nodePorts.has(k)) errs.push(fieldErr.duplicate(child(at(f('ports'), p.i), 'nodePort'), p.nodePort));
      nodePorts.add(k);
    }
    const k = `${p.protocol}/${p.port}`;
    // Upstream prints the (protocol, port) key as a Go struct; podnet shows the two fields.
    if (portKeys.has(k)) errs.push(fieldErr.duplicate(at(f('ports'), p.i), { port: p.port, protocol: p.protocol }));
    portKeys.add(k);
  }

  const lb = effType === 'LoadBalancer';
  const sourceRanges = strList(spec.loadBalancerSourceRanges, f('loadBalancerSourceRanges'), errs) ?? [];
  if (sourceRanges.length > 0) {
    const rangesPath = f('LoadBalancerSourceRanges'); // sic: upstream's field path is capitalised
    if (!lb) errs.push(fieldErr.forbidden(rangesPath, "may only be used when `type` is 'LoadBalancer'"));
    sourceRanges.forEach((r, i) => {
      if (!parseCIDRSloppy(r.trim())) errs.push(fieldErr.invalid(at(rangesPath, i), r.trim(), CIDR_DETAIL));
    });
  }
  if (has(spec.allocateLoadBalancerNodePorts) && !lb) {
    errs.push(fieldErr.forbidden(f('allocateLoadBalancerNodePorts'), "may only be used when `type` is 'LoadBalancer'"));
  }
  const lbClass = optStr(spec.loadBalancerClass, f('loadBalancerClass'), errs);
  if (typeof lbClass === 'string') {
    if (lb) validateLabelName(lbClass, f('loadBalancerClass'), errs);
    else errs.push(fieldErr.forbidden(f('loadBalancerClass'), "may only be used when `type` is 'LoadBalancer'"));
  }
  validateTrafficPolicies(spec, effType, externalIPs.length > 0, errs);
}

function validateClusterIPs(
  clusterIP: string, effClusterIP: string, clusterIPs: string[], spec: Rec, ipFamilies: string[],
  ipFamilyPolicy: string | undefined | null, headless: boolean, errs: Errs,
): void {
  const ipsPath = 'spec.clusterIPs';
  if (clusterIP && has(spec.clusterIPs) && clusterIPs.length > 0 && clusterIPs[0] !== clusterIP) {
    errs.push(fieldErr.invalid(ipsPath, clusterIPs, 'first value must match `clusterIP`'));
  }
  const seen = new Set<string>();
  ipFamilies.forEach((family, i) => {
    if (!IP_FAMILIES.includes(family)) errs.push(fieldErr.notSupported(at('spec.ipFamilies', i), family, IP_FAMILIES));
    if (seen.has(family)) errs.push(fieldErr.duplicate(at('spec.ipFamilies', i), family));
    seen.add(family);
  });
  if (typeof ipFamilyPolicy === 'string' && !IP_FAMILY_POLICIES.includes(ipFamilyPolicy)) {
    errs.push(fieldErr.notSupported('spec.ipFamilyPolicy', ipFamilyPolicy, IP_FAMILY_POLICIES));
  }
  let invalid = false;
  clusterIPs.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (clusterIPs.length > 1) {
        invalid = true;
        errs.push(fieldErr.invalid(ipsPath, clusterIPs, "'None' must be the first and only value"));
      }
      return;
    }
    if (!parseIPSloppy(ip)) {
      invalid = true;
      errs.push(fieldErr.invalid(at(ipsPath, i), ip, IP_DETAIL));
    }
  });
  if (clusterIPs.length > 2) errs.push(fieldErr.invalid(ipsPath, clusterIPs, 'may only hold up to 2 values'));
  if (invalid || effClusterIP === '') return;
  // netutils.IsIPv6String: IPv4-mapped addresses count as IPv4.
  const isV6 = (ip: string): boolean => {
    const parsed = parseIPSloppy(ip);
    return parsed !== undefined && !isIPv4Like(parsed);
  };
  const dualStack = clusterIPs.some(isV6) && clusterIPs.some((ip) => !isV6(ip));
  if (clusterIPs.length > 1 && !dualStack) {
    errs.push(fieldErr.invalid(ipsPath, clusterIPs, 'may specify no more than one IP for each IP family'));
  }
  if (!headless) {
    clusterIPs.slice(0, ipFamilies.length).forEach((ip, i) => {
      if (ipFamilies[i] === 'IPv4' && isV6(ip)) errs.push(fieldErr.invalid(at(ipsPath, i), ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      if (ipFamilies[i] === 'IPv6' && !isV6(ip)) errs.push(fieldErr.invalid(at(ipsPath, i), ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
    });
  }
}

function validateTrafficPolicies(spec: Rec, type: string, hasExternalIPs: boolean, errs: Errs): void {
  const etpPath = 'spec.externalTrafficPolicy';
  const etp = str(spec.externalTrafficPolicy, etpPath, errs);
  const externallyAccessible = type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && hasExternalIPs);
  if (!externallyAccessible) {
    if (etp) errs.push(fieldErr.invalid(etpPath, etp, 'may only be set for externally-accessible services'));
  } else if (etp && !TRAFFIC_POLICIES.includes(etp)) {
    errs.push(fieldErr.notSupported(etpPath, etp, TRAFFIC_POLICIES));
  }
  const hcPath = 'spec.healthCheckNodePort';
  const hc = int(spec.healthCheckNodePort, hcPath, errs);
  if (hc) {
    if (!(type === 'LoadBalancer' && etp === 'Local')) {
      errs.push(fieldErr.invalid(hcPath, hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
    } else {
      for (const m of isValidPortNum(hc)) errs.push(fieldErr.invalid(hcPath, hc, m));
    }
  }
  const itp = str(spec.internalTrafficPolicy, 'spec.internalTrafficPolicy', errs);
  if (itp && !TRAFFIC_POLICIES.includes(itp)) errs.push(fieldErr.notSupported('spec.internalTrafficPolicy', itp, TRAFFIC_POLICIES));
}
