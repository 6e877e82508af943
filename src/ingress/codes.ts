// Diagnostic codes of the routing component (PN4xxx). Stable: tests, docs and users' CI filters depend on them.
export const IngressCodes = {
  /** An Ingress names a class no IngressClass defines, or none and there is no single default class. */
  ingressClassMissing: 'PN4001',
  /** Two or more IngressClasses are marked default: the admission plugin rejects class-less Ingresses. */
  multipleDefaultClasses: 'PN4002',
  /** A TLS Secret is missing or not a valid kubernetes.io/tls Secret: the controller serves its fallback certificate. */
  tlsSecretInvalid: 'PN4003',
  /** Two Ingresses declare the same host + path + pathType: the oldest wins (ingress-nginx). */
  ingressPathConflict: 'PN4004',
  /** A path is not a valid regular expression for the regex locations ingress-nginx renders. */
  invalidRegex: 'PN4005',
  /** A canary Ingress has no primary Ingress with the same host and path to attach to. */
  canaryWithoutPrimary: 'PN4006',
  /** An Ingress backend names a Service or port that does not exist. */
  ingressBackendNotFound: 'PN4007',
  /** An annotation value cannot be understood; it is ignored as the controller would. */
  annotationInvalid: 'PN4008',
  /** A resource backend: ingress-nginx does not serve them. */
  resourceBackendUnsupported: 'PN4009',
  /** A TLS host that no rule of the Ingress uses. */
  tlsHostWithoutRule: 'PN4010',

  /** A Gateway API object field is invalid (what the CRD's OpenAPI / CEL validation rejects). */
  gatewayFieldInvalid: 'PN4101',
  /** A Gateway names a GatewayClass that does not exist: no controller picks it up. */
  gatewayClassMissing: 'PN4102',
  /** A listener is not accepted or conflicts with another (see its status). */
  listenerNotValid: 'PN4103',
  /** A Route is not accepted by a parent (NotAllowedByListeners, NoMatchingListenerHostname, NoMatchingParent...). */
  routeNotAccepted: 'PN4104',
  /** A Route's backendRef does not resolve (BackendNotFound, RefNotPermitted, InvalidKind). */
  routeRefNotResolved: 'PN4105',
  /** A listener's certificateRef does not resolve. */
  listenerCertificateInvalid: 'PN4106',
} as const;
