// The policy engine's public API. Everything is a pure function of a loaded Cluster:
//
//   const model = compilePolicies(cluster);              // compile once (an immutable snapshot)
//   check(model, { from: 'x/a', to: 'y/svc/web', port: 80 })  // -> CheckResult with per-pair Verdicts and reasons
//   evaluateFlow(model, podEnd(model, pod), ipEnd(...), 443, 'TCP')  // one connection, with reasons
//   podMatrix(model, { port: 80 }).allowed(i, j)          // the truth table, computed per equivalence class
//   explainPolicies(model), lintPolicies(model)
export { compilePolicies, policyModelOf, ENFORCES_NETWORK_POLICY, IMPLEMENTS_ADMIN_POLICY, type PolicyModel } from './model.js';
export { evaluateFlow, evaluateDirection, podEnd, ipEnd, type FlowEnd, type Verdict, type DirectionVerdict, type RuleRef, type DecidedBy } from './evaluate.js';
export { check, resolveTarget, PolicyQueryError, type CheckQuery, type CheckResult, type Target } from './targets.js';
export { groupMatrix, groupOfPod, type GroupCell, type GroupMatrix, type MatrixGroup, type MatrixGrouping } from './matrix-groups.js';
export { podMatrix, classMatrix, classVerdicts, verdictsAt, probePorts, ruleFacts, type PodMatrix, type MatrixOptions, type ClassVerdicts, type VerdictOptions } from './matrix.js';
export { parseIP } from './select.js';
export { PolicyCodes } from './codes.js';
export type { Protocol, PodClass } from './classes.js';
export type { Direction, CompiledNetworkPolicy } from './netpol.js';
export type { CompiledAdminPolicy, AdminAction } from './admin.js';
export { explainPolicies, explainNetworkPolicy, explainAdminPolicy, formatExplanation, type PolicyExplanation } from './explain.js';
export { lintPolicies, type LintFinding, type Severity } from './lint.js';
export { containerPorts, type PodObj } from './classes.js';
export { renderPolicyNftables, POLICY_TABLE } from './nftables.js';
export { hostNetworkNote, hostNetworkEnd, type HostNetworkEnd } from './hostnet.js';
