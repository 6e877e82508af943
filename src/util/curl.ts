// curl(1)'s exit codes (EXIT CODES) as the fate of a connection, for every probe that runs curl: the kernel lab's
// (src/realize/probe.ts) and a live cluster's (src/kube/live-http.ts).

export type CurlOutcome = 'allowed' | 'refused' | 'timeout' | 'reset' | 'unresolved' | 'error';

export function outcomeOfCurl(code: number): CurlOutcome {
  switch (code) {
    case 0: return 'allowed';
    case 6: return 'unresolved'; // Could not resolve host
    case 7: return 'refused'; // Failed to connect (refused, or no route to host)
    case 28: return 'timeout'; // Operation timeout (a connect past --connect-timeout, or no answer within -m)
    case 35: // SSL connect error: the handshake was cut off
    case 52: // Empty reply from server: closed without a byte of answer
    case 56: return 'reset'; // Failure in receiving network data (connection reset by peer)
    default: return 'error';
  }
}
