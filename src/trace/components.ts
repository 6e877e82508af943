// Which DNS and policy engines the trace plugs in. Until src/dns and src/policy publish their public APIs, the trace
// uses its minimal fallback resolver and leaves policy unevaluated (it says so in the hop).
import type { TraceComponents } from './hooks.js';

export function defaultComponents(): TraceComponents {
  return {};
}
