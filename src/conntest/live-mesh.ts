// A mesh expectation sent for real in a live cluster (`podnet test --context`): one HTTP request with curl from the
// source pod's probe target to the destination (a Service by its cluster DNS name, a pod or an IP) on the port, with
// the method, path and headers. The probe target shares the pod's network namespace, so the pod's sidecar captures
// the request as it captures the app's, and the answer is the mesh's verdict: Envoy answers its own refusals with
// bodies of its own (403 `RBAC: access denied` from the server's AuthorizationPolicy, 503 `no healthy upstream`…),
// a connection cut before any answer is a refusal too, and any other answer came from the app (allowed). The peer
// identity the server's sidecar saw is not in the answer: it is never observed. linkerd-proxy's refusals are told by
// its `l5d-proxy-error` header (403 `… unauthorized request on route` for an authorization policy).
import type { Cluster } from '../cluster/cluster.js';
import { podIPOf, resolvePodReference } from '../cluster/refs.js';
import { ENVOY_BODIES } from '../mesh/index.js';
import { joinHostPort } from '../util/text.js';
import type { ConnectAttempt } from '../verify/compare.js';
import type { ConnectFlow } from '../verify/flows.js';
import { RefereeError, type Observation } from './referee.js';
import type { MeshExpectation } from './spec.js';

/** The request a mesh expectation stands for, from the source pod (NS/NAME). */
export function meshProbe(cluster: Cluster, e: MeshExpectation, who: string): ConnectFlow {
  if (!e.method) throw new RefereeError(`the ${who} referee sends HTTP requests through the mesh: give mesh.method (and path)`);
  const from = resolvePodReference(cluster, e.from);
  const parts = e.to.split('/');
  let host: string;
  if (parts.length === 3 && ['svc', 'service', 'services'].includes(parts[1])) host = `${parts[2]}.${parts[0]}.svc.${cluster.config.clusterDomain}`;
  else if (parts.length === 1) host = e.to;
  else {
    const pod = resolvePodReference(cluster, e.to);
    const ip = podIPOf(cluster, pod);
    if (!ip) throw new RefereeError(`${pod} has no IP`);
    host = ip;
  }
  const path = e.path ?? '/';
  return {
    kind: 'connect', id: `${from} -> http://${joinHostPort(host, e.port)}${path}`, family: parts.length === 3 ? 'service' : 'pod-pair', from, host, port: e.port, protocol: 'TCP', identify: false,
    request: { scheme: 'http', host: e.port === 80 ? host : joinHostPort(host, e.port), path, method: e.method, headers: e.headers },
  };
}

/** Envoy's own answers other than the RBAC denial, by response flag: the request did not reach the app. */
const ENVOY_REFUSALS = Object.entries(ENVOY_BODIES).filter(([flag]) => flag !== 'RBAC');
/**
 * How every upstream failure's body starts, whatever follows: Envoy writes the reset reason it met (`remote connection
 * failure`, `remote reset`…), `retried and the latest` after retries, and the transport's own failure.
 */
const UPSTREAM_RESET = 'upstream connect error or disconnect/reset before headers.';
const RESET_FLAGS: Record<string, string> = { 'connection termination': 'UC', overflow: 'UO', 'remote reset': 'UR' };

/** The response flag of Envoy's own answer, or undefined for the app's. */
function envoyRefusal(status: number, body: string): { flag: string; text: string } | undefined {
  const known = ENVOY_REFUSALS.find(([flag, text]) => body.startsWith(text) && (flag === 'FI' || status >= 500));
  if (known) return { flag: known[0], text: known[1] };
  if (status < 500 || !body.startsWith(UPSTREAM_RESET)) return undefined;
  const reason = body.match(/reset reason: ([^,]+)/)?.[1] ?? '';
  return { flag: RESET_FLAGS[reason] ?? 'UF', text: body };
}

/** What came back, in the mesh observation's words (`trace`: the model's view, shown beside it). */
export function meshObservation(attempt: ConnectAttempt | undefined, who: string, trace: string[]): Observation {
  if (!attempt || attempt.outcome !== 'allowed' || attempt.status === undefined) {
    const why = !attempt ? 'no attempt'
      : attempt.outcome === 'reset' ? 'the connection was reset before an HTTP answer (as a sidecar resets a connection an AuthorizationPolicy denies at L4, or a plaintext client under STRICT mTLS)'
        : attempt.outcome === 'allowed' ? 'no HTTP answer' : `connection ${attempt.outcome}`;
    return { type: 'mesh', allowed: false, authz: false, decidedBy: `${who}: ${why}${attempt?.detail ? ` (${attempt.detail})` : ''}`, trace, unobserved: ['authz', 'identity'] };
  }
  const status = attempt.status;
  const body = attempt.answer ?? '';
  if (status === 403 && body.startsWith(ENVOY_BODIES.RBAC)) {
    return { type: 'mesh', allowed: false, authz: false, status, decidedBy: `${who}: HTTP 403 ${ENVOY_BODIES.RBAC} (an AuthorizationPolicy of the server's sidecar denied the request)`, trace, unobserved: ['identity'] };
  }
  if (attempt.proxyError) {
    // linkerd-proxy answers its own refusals with the reason in `l5d-proxy-error` (linkerd2-proxy's errors).
    if (status === 403 && /unauthorized request on route/.test(attempt.proxyError)) {
      return { type: 'mesh', allowed: false, authz: false, status, decidedBy: `${who}: HTTP 403 l5d-proxy-error: ${attempt.proxyError} (a Linkerd authorization policy of the server's proxy denied the request)`, trace, unobserved: ['identity'] };
    }
    return { type: 'mesh', allowed: false, authz: false, status, decidedBy: `${who}: HTTP ${status} l5d-proxy-error: ${attempt.proxyError} (linkerd-proxy's own answer: the request did not reach the app)`, trace, unobserved: ['authz', 'identity'] };
  }
  const refusal = envoyRefusal(status, body);
  if (refusal) {
    const { flag, text } = refusal;
    const what = flag === 'FI' ? 'a fault the VirtualService injects' : flag === 'UH' ? 'the client\'s sidecar has no healthy endpoint' : flag === 'UT' ? 'the route\'s timeout passed' : 'the sidecar could not reach the upstream';
    return { type: 'mesh', allowed: false, authz: false, status, decidedBy: `${who}: HTTP ${status} ${text} (Envoy's own answer, response flag ${flag}: ${what})`, trace, unobserved: ['authz', 'identity'] };
  }
  return {
    type: 'mesh', allowed: true, authz: true, status,
    decidedBy: `${who}: HTTP ${status}${attempt.location ? ` to ${attempt.location}` : ''} from the app${attempt.hostname ? ` (pod ${attempt.hostname})` : ''}: the mesh let the request through`, trace, unobserved: ['identity'],
  };
}
