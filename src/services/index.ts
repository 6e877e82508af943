// src/services public API: the kube-proxy model, its per-node plan, endpoint decisions and the rule renderers.
export { servicesModel, compileServices, findServicePort, type ServicesModel, type ServicePortInfo, type ServiceEndpoint } from './model.js';
export { planServicePort, type PortPlan } from './plan.js';
export { decideService, matchDestination, vipEntryNode, type ServiceDecision, type EndpointChoice, type Entry, type TrafficSource } from './decision.js';
export { endpointsFor, EndpointsQueryError, type EndpointsQuery, type EndpointsAnswer } from './query.js';
export { renderIptables, renderIptablesJumps, iptablesResync } from './iptables.js';
export { renderNftables, nftablesResync } from './nftables.js';
export { renderIpvs, renderIpvsRestore, ipvsTable, type IpvsVirtualServer } from './ipvs.js';
export { iptablesChains, nftablesChains } from './chains.js';
export { serviceDiagnostics } from './diagnostics.js';
export { ServiceCodes } from './codes.js';
export { packetFlow, type PacketFlow, type PacketFlowResult } from './packet-flow.js';
export { isClusterLocal } from './model.js';
export { kubeProxySysctls } from './node-sysctls.js';
