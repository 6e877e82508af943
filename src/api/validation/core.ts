// Node, Secret and ConfigMap checks beyond metadata (pkg/apis/core/validation/validation.go).
import { fieldErr } from '../field-errors.js';
import { CIDR_DETAIL, isConfigMapKey, isIPv4Like, isValidLabelValue, parseCIDRSloppy } from './format.js';
import { validateLabelName } from './meta.js';
import { at, child, key, obj, objItems, str, strList, strMap, type Errs, type Rec } from './json.js';

const MAX_SECRET_SIZE = 1024 * 1024;
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function validateNodeSpec(o: Rec, errs: Errs): void {
  const spec = obj(o.spec, 'spec', errs);
  if (spec === null) return;
  // Upstream validates the taints under "metadata.taints" (ValidateNode passes the metadata path): kept as is.
  const taintsPath = 'metadata.taints';
  const seen = new Set<string>();
  for (const [t, i] of objItems(spec.taints, 'spec.taints', errs)) {
    const p = at(taintsPath, i);
    const k = str(t.key, child(p, 'key'), errs) ?? '';
    validateLabelName(k, child(p, 'key'), errs);
    const value = str(t.value, child(p, 'value'), errs) ?? '';
    const msgs = isValidLabelValue(value);
    if (msgs.length > 0) errs.push(fieldErr.invalid(child(p, 'value'), value, msgs.join(';')));
    const effect = str(t.effect, child(p, 'effect'), errs);
    if (effect === '') errs.push(fieldErr.required(child(p, 'effect')));
    else if (effect !== null && !TAINT_EFFECTS.includes(effect)) errs.push(fieldErr.notSupported(child(p, 'effect'), effect, TAINT_EFFECTS));
    const unique = `${effect}\u0000${k}`;
    // Upstream's Duplicate carries the detail "taints must be unique by key and effect pair".
    if (seen.has(unique)) errs.push({ ...fieldErr.duplicate(p, t), detail: 'taints must be unique by key and effect pair' });
    seen.add(unique);
  }
  // The v1 podCIDR field is converted into podCIDRs[0].
  const podCIDR = str(spec.podCIDR, 'spec.podCIDR', errs);
  let podCIDRs = strList(spec.podCIDRs, 'spec.podCIDRs', errs) ?? [];
  if (podCIDRs.length === 0 && podCIDR) podCIDRs = [podCIDR];
  podCIDRs.forEach((c, i) => {
    if (!parseCIDRSloppy(c)) errs.push(fieldErr.invalid(at('spec.podCIDRs', i), c, CIDR_DETAIL));
  });
  if (podCIDRs.length > 1) {
    const parsed = podCIDRs.map(parseCIDRSloppy);
    if (parsed.every((p) => p !== undefined)) {
      const v4 = parsed.filter((p) => p && isIPv4Like(p.ip)).length;
      if (v4 === 0 || v4 === parsed.length || podCIDRs.length > 2) {
        errs.push(fieldErr.invalid('spec.podCIDRs', podCIDRs, 'may specify no more than one CIDR for each IP family'));
      }
    }
    const dup = new Set<string>();
    podCIDRs.forEach((c, i) => {
      if (dup.has(c)) errs.push(fieldErr.duplicate(at('spec.podCIDRs', i), c));
      dup.add(c);
    });
  }
}

/** Decoded size of a base64 `data` value (the API stores bytes); malformed text counts as its own length. */
function decodedLength(b64: string): number {
  return /^[A-Za-z0-9+/\r\n]*={0,2}$/.test(b64) ? Buffer.from(b64, 'base64').length : b64.length;
}

export function validateSecretFields(o: Rec, errs: Errs): void {
  const data = strMap(o.data, 'data', errs) ?? {};
  // stringData is merged into data before validation.
  const stringData = strMap(o.stringData, 'stringData', errs) ?? {};
  const keys = new Set([...Object.keys(data), ...Object.keys(stringData)]);
  let total = 0;
  for (const k of keys) {
    for (const m of isConfigMapKey(k)) errs.push(fieldErr.invalid(key('data', k), k, m));
    total += Object.hasOwn(stringData, k) ? Buffer.byteLength(stringData[k]) : decodedLength(data[k]);
  }
  if (total > MAX_SECRET_SIZE) errs.push(fieldErr.tooLong('data', '', MAX_SECRET_SIZE));
  const required = (...names: string[]): void => {
    for (const n of names) if (!keys.has(n)) errs.push(fieldErr.required(key('data', n)));
  };
  const type = str(o.type, 'type', errs);
  switch (type) {
    case 'kubernetes.io/service-account-token': {
      const meta = obj(o.metadata, '', []);
      const annotations = meta ? obj(meta.annotations, '', []) : null;
      const sa = annotations?.['kubernetes.io/service-account.name'];
      if (typeof sa !== 'string' || sa === '') errs.push(fieldErr.required(key('metadata.annotations', 'kubernetes.io/service-account.name')));
      break;
    }
    case 'kubernetes.io/dockercfg':
      required('.dockercfg');
      break;
    case 'kubernetes.io/dockerconfigjson':
      required('.dockerconfigjson');
      break;
    case 'kubernetes.io/basic-auth':
      if (!keys.has('username') && !keys.has('password')) required('username', 'password');
      break;
    case 'kubernetes.io/ssh-auth':
      if (!(stringData['ssh-privatekey'] ?? data['ssh-privatekey'])) required('ssh-privatekey');
      break;
    case 'kubernetes.io/tls':
      required('tls.crt', 'tls.key');
      break;
  }
}

export function validateConfigMapFields(o: Rec, errs: Errs): void {
  const data = strMap(o.data, 'data', errs) ?? {};
  const binaryData = strMap(o.binaryData, 'binaryData', errs) ?? {};
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    for (const m of isConfigMapKey(k)) errs.push(fieldErr.invalid(key('data', k), k, m));
    if (Object.hasOwn(binaryData, k)) errs.push(fieldErr.invalid(key('data', k), k, 'duplicate of key present in binaryData'));
    total += Buffer.byteLength(v);
  }
  for (const [k, v] of Object.entries(binaryData)) {
    for (const m of isConfigMapKey(k)) errs.push(fieldErr.invalid(key('binaryData', k), k, m));
    total += decodedLength(v);
  }
  // The whole object is meant, hence the empty path.
  if (total > MAX_SECRET_SIZE) errs.push(fieldErr.tooLong('', '', MAX_SECRET_SIZE));
}
