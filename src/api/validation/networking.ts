// networking.k8s.io: NetworkPolicy, Ingress and IngressClass (pkg/apis/networking/validation/validation.go).
import { fieldErr } from '../field-errors.js';
import {
  CIDR_DETAIL, isDNS1123Subdomain, isPathSegmentName, isValidPortName, isValidPortNum, isWildcardDNS1123Subdomain,
  nameIsDNS1035Label, nameIsDNSLabel, nameIsDNSSubdomain, parseCIDRSloppy, parseIPSloppy, isStrictSubnet, regexError,
} from './format.js';
import { validateLabelSelector } from './meta.js';
import { at, child, has, int, intOrStr, obj, objItems, optInt, optObj, optStr, str, strList, type Errs, type Rec } from './json.js';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix']; // sets.NewString(...).List(): sorted
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];

function validatePolicyPort(port: Rec, path: string, errs: Errs): void {
  const protocol = optStr(port.protocol, child(path, 'protocol'), errs);
  if (typeof protocol === 'string' && !['TCP', 'UDP', 'SCTP'].includes(protocol)) {
    errs.push(fieldErr.notSupported(child(path, 'protocol'), protocol, ['TCP', 'UDP', 'SCTP']));
  }
  const p = intOrStr(port.port, child(path, 'port'), errs);
  const endPort = optInt(port.endPort, child(path, 'endPort'), errs);
  const endPath = child(path, 'endPort');
  if (typeof p === 'number') {
    for (const m of isValidPortNum(p)) errs.push(fieldErr.invalid(child(path, 'port'), p, m));
    if (typeof endPort === 'number') {
      if (endPort < p) errs.push(fieldErr.invalid(endPath, endPort, 'must be greater than or equal to `port`'));
      for (const m of isValidPortNum(endPort)) errs.push(fieldErr.invalid(endPath, endPort, m));
    }
  } else if (typeof p === 'string') {
    if (typeof endPort === 'number') errs.push(fieldErr.invalid(endPath, endPort, 'may not be specified when `port` is non-numeric'));
    for (const m of isValidPortName(p)) errs.push(fieldErr.invalid(child(path, 'port'), p, m));
  } else if (p === undefined && typeof endPort === 'number') {
    errs.push(fieldErr.invalid(endPath, endPort, 'may not be specified when `port` is not specified'));
  }
}

function validateIPBlock(v: unknown, path: string, errs: Errs): void {
  const block = obj(v, path, errs);
  if (block === null) return;
  const cidrPath = child(path, 'cidr');
  const cidrText = str(block.cidr, cidrPath, errs);
  if (cidrText === null) return;
  if (cidrText === '') return void errs.push(fieldErr.required(cidrPath));
  const cidr = parseCIDRSloppy(cidrText);
  if (!cidr) return void errs.push(fieldErr.invalid(cidrPath, cidrText, CIDR_DETAIL));
  (strList(block.except, child(path, 'except'), errs) ?? []).forEach((text, i) => {
    const p = at(child(path, 'except'), i);
    const except = parseCIDRSloppy(text);
    if (!except) errs.push(fieldErr.invalid(p, text, CIDR_DETAIL));
    else if (!isStrictSubnet(cidr, except)) errs.push(fieldErr.invalid(p, text, 'must be a strict subset of `cidr`'));
  });
}

function validatePeer(peer: Rec, path: string, errs: Errs): void {
  let peers = 0;
  if (has(peer.podSelector)) {
    peers++;
    validateLabelSelector(peer.podSelector, child(path, 'podSelector'), errs);
  }
  if (has(peer.namespaceSelector)) {
    peers++;
    validateLabelSelector(peer.namespaceSelector, child(path, 'namespaceSelector'), errs);
  }
  if (has(peer.ipBlock)) {
    peers++;
    validateIPBlock(peer.ipBlock, child(path, 'ipBlock'), errs);
  }
  if (peers === 0) errs.push(fieldErr.required(path, 'must specify a peer'));
  else if (peers > 1 && has(peer.ipBlock)) errs.push(fieldErr.forbidden(path, 'may not specify both ipBlock and another peer'));
}

export function validateNetworkPolicySpec(v: unknown, errs: Errs): void {
  const spec = obj(v, 'spec', errs);
  if (spec === null) return;
  // podSelector omitted or null is accepted: the field is a struct, not a pointer, so the API server decodes it as
  // the empty selector (every pod of the namespace); kubernetes/kubernetes#131354 documents it as optional.
  if (has(spec.podSelector)) validateLabelSelector(spec.podSelector, 'spec.podSelector', errs);
  for (const [direction, peersField] of [['ingress', 'from'], ['egress', 'to']] as const) {
    for (const [rule, i] of objItems(spec[direction], child('spec', direction), errs)) {
      const p = at(child('spec', direction), i);
      for (const [port, j] of objItems(rule.ports, child(p, 'ports'), errs)) validatePolicyPort(port, at(child(p, 'ports'), j), errs);
      for (const [peer, j] of objItems(rule[peersField], child(p, peersField), errs)) validatePeer(peer, at(child(p, peersField), j), errs);
    }
  }
  const types = strList(spec.policyTypes, 'spec.policyTypes', errs) ?? [];
  if (types.length > 2) return void errs.push(fieldErr.invalid('spec.policyTypes', types, 'may not specify more than two policyTypes'));
  types.forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') errs.push(fieldErr.notSupported(at('spec.policyTypes', i), t, ['Ingress', 'Egress']));
  });
}

function invalidEach(msgs: string[], path: string, value: string, errs: Errs): void {
  for (const m of msgs) errs.push(fieldErr.invalid(path, value, m));
}

/** TypedLocalObjectReference of a resource backend. */
function validateResourceRef(ref: Rec, path: string, errs: Errs): void {
  const apiGroup = optStr(ref.apiGroup, child(path, 'apiGroup'), errs);
  if (typeof apiGroup === 'string') invalidEach(isDNS1123Subdomain(apiGroup), child(path, 'apiGroup'), apiGroup, errs);
  for (const f of ['kind', 'name']) {
    const value = str(ref[f], child(path, f), errs);
    if (value === '') errs.push(fieldErr.required(child(path, f)));
    else if (value !== null) invalidEach(isPathSegmentName(value), child(path, f), value, errs);
  }
}

function validateBackend(backend: Rec, path: string, errs: Errs): void {
  const resource = optObj(backend.resource, child(path, 'resource'), errs);
  const service = optObj(backend.service, child(path, 'service'), errs);
  if (resource === null || service === null) return;
  if (resource && service) return void errs.push(fieldErr.invalid(path, '', 'cannot set both resource and service backends'));
  if (resource) return validateResourceRef(resource, child(path, 'resource'), errs);
  if (!service) return void errs.push(fieldErr.invalid(path, '', 'resource or service backend is required'));
  const namePath = child(child(path, 'service'), 'name');
  const name = str(service.name, namePath, errs);
  if (name === '') errs.push(fieldErr.required(namePath));
  else if (name !== null) invalidEach(nameIsDNS1035Label(name, false), namePath, name, errs);
  const portPath = child(child(path, 'service'), 'port');
  const port = obj(service.port, portPath, errs);
  if (port === null) return;
  const portName = str(port.name, child(portPath, 'name'), errs);
  const portNumber = int(port.number, child(portPath, 'number'), errs);
  if (portName === null || portNumber === null) return;
  if (portName && portNumber) errs.push(fieldErr.invalid(path, '', 'cannot set both port name & port number'));
  else if (portName) invalidEach(isValidPortName(portName), child(portPath, 'name'), portName, errs);
  else if (portNumber) for (const m of isValidPortNum(portNumber)) errs.push(fieldErr.invalid(child(portPath, 'number'), portNumber, m));
  else errs.push(fieldErr.required(path, 'port name or number is required'));
}

function validateHTTPPath(p: Rec, path: string, errs: Errs): void {
  const pathType = optStr(p.pathType, child(path, 'pathType'), errs);
  if (pathType === null) return;
  if (pathType === undefined) return void errs.push(fieldErr.required(child(path, 'pathType'), 'pathType must be specified'));
  const value = str(p.path, child(path, 'path'), errs);
  if (value !== null) {
    const pp = child(path, 'path');
    if (pathType === 'Exact' || pathType === 'Prefix') {
      if (!value.startsWith('/')) errs.push(fieldErr.invalid(pp, value, 'must be an absolute path'));
      for (const seq of INVALID_PATH_SEQUENCES) if (value.includes(seq)) errs.push(fieldErr.invalid(pp, value, `must not contain '${seq}'`));
      for (const suffix of INVALID_PATH_SUFFIXES) if (value.endsWith(suffix)) errs.push(fieldErr.invalid(pp, value, `cannot end with '${suffix}'`));
    } else if (pathType === 'ImplementationSpecific') {
      if (value.length > 0 && !value.startsWith('/')) errs.push(fieldErr.invalid(pp, value, 'must be an absolute path'));
    }
  }
  if (!PATH_TYPES.includes(pathType)) errs.push(fieldErr.notSupported(child(path, 'pathType'), pathType, PATH_TYPES));
  const backend = obj(p.backend, child(path, 'backend'), errs);
  if (backend) validateBackend(backend, child(path, 'backend'), errs);
}

function validateHost(host: string, path: string, errs: Errs): void {
  if (parseIPSloppy(host)) errs.push(fieldErr.invalid(path, host, 'must be a DNS name, not an IP address'));
  invalidEach(host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host), path, host, errs);
}

export function validateIngressSpec(o: Rec, errs: Errs): void {
  const spec = obj(o.spec, 'spec', errs);
  if (spec === null) return;
  const rules = objItems(spec.rules, 'spec.rules', errs);
  const defaultBackend = optObj(spec.defaultBackend, 'spec.defaultBackend', errs);
  if (rules.length === 0 && defaultBackend === undefined) {
    errs.push(fieldErr.invalid('spec', spec.rules ?? null, 'either `defaultBackend` or `rules` must be specified'));
  }
  if (defaultBackend) validateBackend(defaultBackend, 'spec.defaultBackend', errs);
  for (const [rule, i] of rules) {
    const p = at('spec.rules', i);
    const host = str(rule.host, child(p, 'host'), errs);
    if (host) validateHost(host, child(p, 'host'), errs);
    const http = optObj(rule.http, child(p, 'http'), errs);
    if (!http) continue;
    const pathsPath = child(child(p, 'http'), 'paths');
    const paths = objItems(http.paths, pathsPath, errs);
    if (paths.length === 0 && !Array.isArray(http.paths) && http.paths != null) continue;
    if (paths.length === 0) errs.push(fieldErr.required(pathsPath));
    for (const [hp, j] of paths) validateHTTPPath(hp, at(pathsPath, j), errs);
  }
  for (const [tls, i] of objItems(spec.tls, 'spec.tls', errs)) {
    const p = at('spec.tls', i);
    (strList(tls.hosts, child(p, 'hosts'), errs) ?? []).forEach((h, j) => {
      invalidEach(h.includes('*') ? isWildcardDNS1123Subdomain(h) : isDNS1123Subdomain(h), at(child(p, 'hosts'), j), h, errs);
    });
    const secretName = str(tls.secretName, child(p, 'secretName'), errs);
    if (secretName) invalidEach(nameIsDNSSubdomain(secretName, false), child(p, 'secretName'), secretName, errs);
  }
  const className = optStr(spec.ingressClassName, 'spec.ingressClassName', errs);
  if (typeof className === 'string') invalidEach(nameIsDNSSubdomain(className, false), 'spec.ingressClassName', className, errs);
  // ValidateIngressCreate: the legacy annotation must agree with the field (reported at "annotations.<key>", sic).
  const meta = obj(o.metadata, '', []);
  const annotations = meta ? obj(meta.annotations, '', []) : null;
  const legacy = annotations?.['kubernetes.io/ingress.class'];
  if (typeof legacy === 'string' && typeof className === 'string' && legacy !== className) {
    errs.push(fieldErr.invalid('annotations.kubernetes.io/ingress.class', legacy, 'must match `ingressClassName` when both are specified'));
  }
}

const HTTP_PATH_FMT = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";

/** IsDomainPrefixedPath, for spec.controller. */
function validateDomainPrefixedPath(value: string, path: string, errs: Errs): void {
  const slash = value.indexOf('/');
  const host = slash < 0 ? value : value.slice(0, slash);
  const rest = slash < 0 ? '' : value.slice(slash + 1);
  if (slash < 0 || host === '' || rest === '') {
    return void errs.push(fieldErr.invalid(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")'));
  }
  invalidEach(isDNS1123Subdomain(host), path, host, errs);
  if (!new RegExp(`^(?:${HTTP_PATH_FMT})$`).test(rest)) errs.push(fieldErr.invalid(path, rest, regexError('Invalid path', HTTP_PATH_FMT)));
}

export function validateIngressClassSpec(v: unknown, errs: Errs): void {
  const spec = obj(v, 'spec', errs);
  if (spec === null) return;
  const controller = str(spec.controller, 'spec.controller', errs);
  if (controller === '') errs.push(fieldErr.required('spec.controller'));
  else if (controller !== null) {
    if (Buffer.byteLength(controller) > 250) errs.push(fieldErr.tooLong('spec.controller', '', 250));
    validateDomainPrefixedPath(controller, 'spec.controller', errs);
  }
  const params = optObj(spec.parameters, 'spec.parameters', errs);
  if (!params) return;
  validateResourceRef(params, 'spec.parameters', errs);
  const scope = optStr(params.scope, 'spec.parameters.scope', errs);
  const namespace = optStr(params.namespace, 'spec.parameters.namespace', errs);
  if (scope === undefined) return void errs.push(fieldErr.required('spec.parameters.scope'));
  if (scope === null) return;
  if (scope !== 'Cluster' && scope !== 'Namespace') return void errs.push(fieldErr.notSupported('spec.parameters.scope', scope, ['Cluster', 'Namespace']));
  if (scope === 'Namespace') {
    if (namespace === undefined) errs.push(fieldErr.required('spec.parameters.namespace', "`parameters.scope` is set to 'Namespace'"));
    else if (namespace !== null) invalidEach(nameIsDNSLabel(namespace, false), 'spec.parameters.namespace', namespace, errs);
  } else if (namespace !== undefined) {
    errs.push(fieldErr.forbidden('spec.parameters.namespace', "`parameters.scope` is set to 'Cluster'"));
  }
}
