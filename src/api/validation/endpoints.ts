// Endpoints (ValidateEndpoints, pkg/apis/core/validation) and EndpointSlices (pkg/apis/discovery/validation).
import { fieldErr } from '../field-errors.js';
import { IP_DETAIL, isDNS1123Label, isFullyQualifiedDomainName, isIPv4Like, isValidPortNum, nameIsDNSSubdomain, parseIPSloppy } from './format.js';
import { validateLabelName } from './meta.js';
import { PROTOCOLS } from './pod.js';
import { validateNonSpecialIP } from './service.js';
import { arr, at, child, int, obj, objItems, objsOf, optStr, str, strList, type Errs, type Rec } from './json.js';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
// 20,000 since kubernetes#99795 (it was 100, which Services with more ports than that could not get slices under).
export const MAX_ENDPOINT_SLICE_PORTS = 20_000;

function dnsLabel(value: string, path: string, errs: Errs): void {
  for (const m of isDNS1123Label(value)) errs.push(fieldErr.invalid(path, value, m));
}

function nodeName(v: unknown, path: string, errs: Errs): void {
  const name = optStr(v, path, errs);
  if (typeof name === 'string') for (const m of nameIsDNSSubdomain(name, false)) errs.push(fieldErr.invalid(path, name, m));
}

function protocol(v: unknown, path: string, errs: Errs): void {
  const p = str(v, path, errs);
  if (p && !(PROTOCOLS as readonly string[]).includes(p)) errs.push(fieldErr.notSupported(path, p, PROTOCOLS));
}

function appProtocol(v: unknown, path: string, errs: Errs): void {
  const p = optStr(v, path, errs);
  if (typeof p === 'string') validateLabelName(p, path, errs);
}

function validateEndpointAddress(a: Rec, path: string, errs: Errs): void {
  const ip = str(a.ip, child(path, 'ip'), errs);
  if (ip !== null && !parseIPSloppy(ip)) errs.push(fieldErr.invalid(child(path, 'ip'), ip, IP_DETAIL));
  const hostname = str(a.hostname, child(path, 'hostname'), errs);
  if (hostname) dnsLabel(hostname, child(path, 'hostname'), errs);
  nodeName(a.nodeName, child(path, 'nodeName'), errs);
  if (ip !== null) validateNonSpecialIP(ip, child(path, 'ip'), errs, false);
}

/** ValidateEndpoints' subsets (the object has no spec). */
export function validateEndpointsSubsets(o: Rec, errs: Errs): void {
  for (const [ss, i] of objItems(o.subsets, 'subsets', errs)) {
    const p = at('subsets', i);
    const addresses = objItems(ss.addresses, child(p, 'addresses'), errs);
    const notReady = objItems(ss.notReadyAddresses, child(p, 'notReadyAddresses'), errs);
    if (addresses.length === 0 && notReady.length === 0) errs.push(fieldErr.required(p, 'must specify `addresses` or `notReadyAddresses`'));
    for (const [a, j] of addresses) validateEndpointAddress(a, at(child(p, 'addresses'), j), errs);
    for (const [a, j] of notReady) validateEndpointAddress(a, at(child(p, 'notReadyAddresses'), j), errs);
    const ports = objItems(ss.ports, child(p, 'ports'), errs);
    for (const [port, j] of ports) {
      const pp = at(child(p, 'ports'), j);
      const name = str(port.name, child(pp, 'name'), errs);
      if (ports.length > 1 && name === '') errs.push(fieldErr.required(child(pp, 'name')));
      else if (name) dnsLabel(name, child(pp, 'name'), errs);
      const num = int(port.port, child(pp, 'port'), errs);
      if (num !== null) for (const m of isValidPortNum(num)) errs.push(fieldErr.invalid(child(pp, 'port'), num, m));
      protocol(port.protocol, child(pp, 'protocol'), errs);
      appProtocol(port.appProtocol, child(pp, 'appProtocol'), errs);
    }
  }
}

function validateSliceAddress(address: string, type: string, path: string, errs: Errs): void {
  if (type === 'IPv4' || type === 'IPv6') {
    const ip = parseIPSloppy(address);
    const ok = ip !== undefined && isIPv4Like(ip) === (type === 'IPv4');
    if (!ok) errs.push(fieldErr.invalid(path, address, `must be a valid ${type} address`));
    validateNonSpecialIP(address, path, errs, false);
  } else if (type === 'FQDN') {
    if (address === '') errs.push(fieldErr.required(path));
    else for (const m of isFullyQualifiedDomainName(address)) errs.push(fieldErr.invalid(path, address, m));
  }
}

/** ValidateEndpointSlice: addressType, endpoints and ports are top-level fields. */
export function validateEndpointSliceFields(o: Rec, errs: Errs): void {
  const type = str(o.addressType, 'addressType', errs);
  if (type === '') errs.push(fieldErr.required('addressType'));
  else if (type !== null && !ADDRESS_TYPES.includes(type)) errs.push(fieldErr.notSupported('addressType', type, ADDRESS_TYPES));

  const endpoints = arr(o.endpoints, 'endpoints', errs) ?? [];
  if (endpoints.length > MAX_ENDPOINTS) errs.push(fieldErr.tooMany('endpoints', endpoints.length, MAX_ENDPOINTS));
  else {
    for (const [ep, i] of objsOf(endpoints, 'endpoints', errs)) {
      const p = at('endpoints', i);
      const addrPath = child(p, 'addresses');
      const addresses = strList(ep.addresses, addrPath, errs);
      if (addresses !== null) {
        if (addresses.length === 0) errs.push(fieldErr.required(addrPath, 'must contain at least 1 address'));
        else if (addresses.length > MAX_ADDRESSES) errs.push(fieldErr.tooMany(addrPath, addresses.length, MAX_ADDRESSES));
        // Unknown address types fall through unvalidated, as upstream.
        addresses.forEach((a, j) => validateSliceAddress(a, type ?? '', at(addrPath, j), errs));
      }
      obj(ep.conditions, child(p, 'conditions'), errs);
      const hostname = optStr(ep.hostname, child(p, 'hostname'), errs);
      if (typeof hostname === 'string') dnsLabel(hostname, child(p, 'hostname'), errs);
      nodeName(ep.nodeName, child(p, 'nodeName'), errs);
    }
  }

  const ports = arr(o.ports, 'ports', errs) ?? [];
  if (ports.length > MAX_ENDPOINT_SLICE_PORTS) return void errs.push(fieldErr.tooMany('ports', ports.length, MAX_ENDPOINT_SLICE_PORTS));
  const names = new Set<string>();
  for (const [port, i] of objsOf(ports, 'ports', errs)) {
    const p = at('ports', i);
    const name = str(port.name, child(p, 'name'), errs);
    if (name !== null) {
      if (name) dnsLabel(name, child(p, 'name'), errs);
      // Unnamed ports count too: two of them are a duplicate "".
      if (names.has(name)) errs.push(fieldErr.duplicate(child(p, 'name'), name));
      names.add(name);
    }
    protocol(port.protocol, child(p, 'protocol'), errs);
    appProtocol(port.appProtocol, child(p, 'appProtocol'), errs);
    int(port.port, child(p, 'port'), errs);
  }
}

