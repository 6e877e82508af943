// policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy (NPEP-285, which merges AdminNetworkPolicy and
// BaselineAdminNetworkPolicy): the CRD's validation (experimental channel, a superset of standard: it adds the `nodes`
// and `domainNames` peers and the named-port rule) and the mapping of `protocols` onto the shared PortSpec.
// Source: kubernetes-sigs/network-policy-api apis/v1alpha2/clusternetworkpolicy_types.go and
// config/crd/experimental/policy.networking.k8s.io_clusternetworkpolicies.yaml (commit 0eec1b0).
import { parseCidr } from '../net/cidr.js';
import type { Protocol } from './classes.js';
import { formatErrors, LABEL_SELECTOR, validateAgainst, type Schema } from './crd-schema.js';
import { PROTOCOLS, type PortSpec } from './ports.js';

type Obj = Record<string, any>;

const PORT_NUMBER: Schema = { type: 'integer', minimum: 1, maximum: 65535 };
const PROTOCOL_MATCH: Schema = {
  type: 'object', minProperties: 1,
  properties: {
    destinationPort: {
      type: 'object', minProperties: 1, maxProperties: 1,
      properties: {
        number: PORT_NUMBER,
        range: { type: 'object', required: ['end', 'start'], properties: { end: PORT_NUMBER, start: PORT_NUMBER }, cel: [{ holds: (r) => r.start < r.end, message: 'Start port must be less than End port' }] },
      },
    },
  },
};
const PROTOCOLS_SCHEMA: Schema = {
  type: 'array', minItems: 1, maxItems: 25,
  items: { type: 'object', minProperties: 1, maxProperties: 1, properties: { destinationNamedPort: { type: 'string' }, sctp: PROTOCOL_MATCH, tcp: PROTOCOL_MATCH, udp: PROTOCOL_MATCH } },
};
const NAMESPACED_POD: Schema = { type: 'object', required: ['podSelector'], properties: { namespaceSelector: LABEL_SELECTOR, podSelector: LABEL_SELECTOR } };
const DOMAIN_NAME = /^(\*\.)?([a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$/;
const isCIDR = (s: string): boolean => { try { parseCidr(s); return true; } catch { return false; } };

const INGRESS_PEER: Schema = { type: 'object', minProperties: 1, maxProperties: 1, properties: { namespaces: LABEL_SELECTOR, pods: NAMESPACED_POD } };
const EGRESS_PEER: Schema = {
  type: 'object', minProperties: 1, maxProperties: 1,
  properties: {
    domainNames: { type: 'array', minItems: 1, maxItems: 25, items: { type: 'string', pattern: DOMAIN_NAME } },
    namespaces: LABEL_SELECTOR,
    networks: { type: 'array', minItems: 1, maxItems: 25, items: { type: 'string', maxLength: 43, cel: [{ holds: isCIDR, message: 'Invalid CIDR format provided' }] } },
    nodes: LABEL_SELECTOR,
    pods: NAMESPACED_POD,
  },
};
const ACTION: Schema = { type: 'string', enum: ['Accept', 'Deny', 'Pass'] };
const RULE_NAME: Schema = { type: 'string', maxLength: 100 };

const CNP_SPEC: Schema = {
  type: 'object', required: ['priority', 'subject', 'tier'],
  properties: {
    egress: {
      type: 'array', maxItems: 25,
      items: {
        type: 'object', required: ['action', 'to'],
        properties: { action: ACTION, name: RULE_NAME, protocols: PROTOCOLS_SCHEMA, to: { type: 'array', minItems: 1, maxItems: 25, items: EGRESS_PEER } },
        cel: [{
          holds: (r) => !((r.to ?? []).some((p: Obj) => p?.networks != null || p?.nodes != null || p?.domainNames != null) && Array.isArray(r.protocols) && r.protocols.some((p: Obj) => p?.destinationNamedPort != null)),
          message: 'networks/nodes/domainNames peer cannot be set with namedPorts since there are no namedPorts for networks/nodes/domainNames',
        }],
      },
    },
    ingress: {
      type: 'array', maxItems: 25,
      items: { type: 'object', required: ['action', 'from'], properties: { action: ACTION, from: { type: 'array', minItems: 1, maxItems: 25, items: INGRESS_PEER }, name: RULE_NAME, protocols: PROTOCOLS_SCHEMA } },
    },
    priority: { type: 'integer', minimum: 0, maximum: 1000 },
    subject: { type: 'object', minProperties: 1, maxProperties: 1, properties: { namespaces: LABEL_SELECTOR, pods: NAMESPACED_POD } },
    tier: { type: 'string', enum: ['Admin', 'Baseline'] },
  },
};

/** Field errors the API server would return for this ClusterNetworkPolicy, formatted (empty when valid). */
export function validateClusterNetworkPolicy(obj: Obj): string[] {
  if (obj.spec === undefined || obj.spec === null) return ['spec: Required value'];
  return formatErrors(validateAgainst(CNP_SPEC, obj.spec, 'spec'));
}

/**
 * A rule's `protocols` as PortSpecs: `null` (absent) matches every port and protocol; `tcp: {destinationPort: {number}}`
 * one port, `range` an inclusive range; `destinationNamedPort` the container port of that name, whatever its protocol.
 */
export function protocolPortSpecs(protocols: unknown): PortSpec[] | null {
  if (!Array.isArray(protocols) || protocols.length === 0) return null;
  const out: PortSpec[] = [];
  for (const p of protocols as Obj[]) {
    if (typeof p?.destinationNamedPort === 'string') {
      for (const protocol of PROTOCOLS) out.push({ protocol, name: p.destinationNamedPort, anyProtocol: true });
      continue;
    }
    for (const [field, protocol] of [['tcp', 'TCP'], ['udp', 'UDP'], ['sctp', 'SCTP']] as const) {
      const dp = p?.[field]?.destinationPort;
      if (!p?.[field]) continue;
      if (typeof dp?.number === 'number') out.push({ protocol: protocol as Protocol, port: dp.number });
      else if (dp?.range) out.push({ protocol: protocol as Protocol, port: dp.range.start, endPort: dp.range.end });
      else out.push({ protocol: protocol as Protocol });
    }
  }
  return out;
}
