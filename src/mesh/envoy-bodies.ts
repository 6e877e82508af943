// The bodies Envoy (Istio's sidecar) answers with itself, by response flag: what the lab's sidecars send and what
// `podnet test --context` reads in a live cluster's answers to tell the mesh's own refusal from the app's answer.
export const ENVOY_BODIES = {
  UF: 'upstream connect error or disconnect/reset before headers. reset reason: connection failure',
  UC: 'upstream connect error or disconnect/reset before headers. reset reason: connection termination',
  UH: 'no healthy upstream',
  UT: 'upstream request timeout',
  UO: 'upstream connect error or disconnect/reset before headers. reset reason: overflow',
  FI: 'fault filter abort',
  RBAC: 'RBAC: access denied',
} as const;
