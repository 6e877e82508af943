// Node's parsed headers (a value may be an array for repeated fields) as one string per name, joined by ", " as an
// HTTP list (RFC 9110 §5.3): what the lab prints, echoes and forwards.
import type { IncomingHttpHeaders } from 'node:http';

export function flatHeaders(h: IncomingHttpHeaders, skip?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined && k !== skip) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
