// The query shapes of the routing component: a request as an edge proxy sees it, and the decision it makes.
// RouteResult is the public JSON contract of `podnet route -o json` (issue 6): fields may be added, never renamed.

export interface RouteRequest {
  scheme: 'http' | 'https';
  /** The Host header's name (no port), lower-cased. */
  host: string;
  /** The port the client connected to: picks the listener. */
  port: number;
  /** The path as sent, without the query. */
  path: string;
  /** The raw query string without `?` ('' when none). */
  query: string;
  method: string;
  /** Request headers, names lower-cased (repeated headers joined with ", "). */
  headers: Record<string, string>;
  /** TLS server name indication (https only); defaults to the host. */
  sni?: string;
  /** The client's address as the proxy sees it. */
  clientIP?: string;
  /**
   * A number in [0, 1) for weighted choices (backendRefs weights, canary-weight). Absent: the most likely outcome
   * (the heaviest backend; no weighted canary unless its weight is 100%) so answers are deterministic.
   */
  random?: number;
  /** The https port to put in redirects to https (a live proxy on 8443 says so); default 443. */
  httpsPort?: number;
  /** A raw TCP connection or UDP datagrams to the port instead of HTTP (`tcp://` / `udp://` URLs): TCPRoute / UDPRoute. */
  transport?: 'tcp' | 'udp';
}

export interface RouteVia {
  kind: 'Ingress' | 'HTTPRoute' | 'GRPCRoute' | 'TLSRoute' | 'TCPRoute' | 'UDPRoute';
  namespace: string;
  name: string;
  /** Index of the Ingress rule / route rule that matched. */
  rule?: number;
  /** The path (Ingress) or match (Gateway) that matched, in words. */
  match?: string;
}

export interface RouteBackend {
  namespace: string;
  service: string;
  port: number;
  weight: number;
  /** Ready endpoints (podIP:targetPort) the proxy load-balances over; controllers proxy to pods, not to the ClusterIP. */
  endpoints?: string[];
  /** Pods behind those endpoints (namespace/name), same order. */
  pods?: string[];
  /** Why this backend cannot serve, when it cannot. */
  problem?: string;
  /** RequestMirror: the share of requests copied, when not all (percent, or fraction as a percentage). */
  percent?: number;
  /** ingress-nginx: true when the canary Ingress's backend was chosen. */
  canary?: boolean;
  /** backend-protocol (ingress-nginx) or appProtocol: how the proxy talks to the backend. */
  protocol?: string;
  /** Resource backend (Ingress spec.backend.resource) instead of a Service. */
  resource?: { apiGroup?: string; kind: string; name: string };
}

export interface RouteResult {
  /** The HTTP status the client gets (0: no listener on that port, the connection is refused). */
  status: number;
  /** The object that decided. */
  via?: RouteVia;
  backend?: RouteBackend;
  /** Every backend of the chosen rule with its weight (weighted splits, canary). */
  backends?: RouteBackend[];
  /** The Location header exactly as sent (redirects). */
  location?: string;
  /** Headers the backend receives, names lower-cased. */
  requestHeaders?: Record<string, string>;
  /** Headers added to the response by filters (ResponseHeaderModifier), names lower-cased; null removes. */
  responseHeaders?: Record<string, string | null>;
  /** The same as operations in filter order on what the backend sends: set replaces, add appends (","), remove deletes. */
  responseHeaderOps?: { action: 'set' | 'add' | 'remove'; name: string; value?: string }[];
  /** The CORS filter's view of the request: a preflight is answered by the Gateway (204) without a backend. */
  cors?: { preflight: boolean; allowed: boolean; origin: string };
  /** The path (and query) the backend receives. */
  path?: string;
  /** clientValidation: the client certificate the listener asks for (Gateway spec.tls.frontend, GEP-91). */
  tls?: { secret: string; sni: string; fallback?: boolean; clientValidation?: { mode: 'AllowValidOnly' | 'AllowInsecureFallback'; caCertificateRefs: string[] } };
  /** Why, in a sentence. */
  reason: string;
  /** The entry point used: `ingress:CLASS` or `gateway/NS/NAME`. */
  entryPoint?: string;
  /** The Gateway listener that took the request. */
  listener?: string;
  /** Copies sent to mirror backends (RequestMirror). */
  mirrors?: RouteBackend[];
  /** Timeouts from HTTPRoute rules (Gateway API duration strings) or ingress-nginx proxy timeouts. */
  timeouts?: { request?: string; backendRequest?: string };
  /** Edge rate limits in force for this location (ingress-nginx annotations). */
  rateLimit?: { rps?: number; rpm?: number; burst?: number; connections?: number; statusCode: number; whitelist?: string[] };
  /** TLS passthrough: the proxy forwards the encrypted stream by SNI. */
  passthrough?: boolean;
  /** A byte stream, not HTTP (TLSRoute, TCPRoute, UDPRoute): its protocol and, for TLS, whether the Gateway terminated it. */
  stream?: { protocol: 'TLS' | 'TCP' | 'UDP'; terminated?: boolean };
  /** BackendTLSPolicy: the Gateway originates TLS to the backend's pods (SNI, trust), and why the handshake fails if it does. */
  backendTLS?: { policy: string; sni: string; caCertificateRefs?: string[]; wellKnownCACertificates?: string; subjectAltNames?: string[]; problem?: string };
  /** The proxy pod that opens the upstream connections, and the endpoints NetworkPolicy keeps it from reaching. */
  dataPlane?: { pod: string; deniedEndpoints: string[]; reason?: string };
}
