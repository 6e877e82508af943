// Enough of apimachinery's resource.Quantity for describe's node resources: parse `100m`, `128Mi`, `1.5`, `2G`, add
// them up, and print them in canonical form keeping the first operand's format (binary or decimal SI).

const BINARY: [string, bigint][] = [['Ei', 1n << 60n], ['Pi', 1n << 50n], ['Ti', 1n << 40n], ['Gi', 1n << 30n], ['Mi', 1n << 20n], ['Ki', 1n << 10n]];
const DECIMAL: [string, number][] = [['E', 18], ['P', 15], ['T', 12], ['G', 9], ['M', 6], ['k', 3], ['', 0], ['m', -3], ['u', -6], ['n', -9]];

/** A quantity as an exact count of nano-units, with the format it was written in. */
export interface Quantity {
  nanos: bigint;
  format: 'BinarySI' | 'DecimalSI';
}

export const ZERO: Quantity = { nanos: 0n, format: 'DecimalSI' };

export function parseQuantity(text: unknown): Quantity {
  const s = String(text ?? '').trim();
  const m = s.match(/^([+-]?\d*\.?\d*)(Ei|Pi|Ti|Gi|Mi|Ki|E|P|T|G|M|k|m|u|n|[eE][+-]?\d+)?$/);
  if (!m || m[1] === '' || m[1] === '.') return ZERO;
  const [whole, frac = ''] = m[1].replace(/^\+/, '').split('.');
  const neg = whole.startsWith('-');
  const digits = BigInt((whole.replace('-', '') || '0') + frac.padEnd(9, '0').slice(0, 9));
  let nanos = neg ? -digits : digits; // value * 1e9
  const suffix = m[2] ?? '';
  const bin = BINARY.find(([s]) => s === suffix);
  if (bin) return { nanos: nanos * bin[1], format: 'BinarySI' };
  let exp = DECIMAL.find(([s]) => s === suffix)?.[1];
  if (exp === undefined) exp = Number(suffix.slice(1));
  nanos = exp >= 0 ? nanos * 10n ** BigInt(exp) : nanos / 10n ** BigInt(-exp);
  return { nanos, format: 'DecimalSI' };
}

export function addQuantities(a: Quantity, b: Quantity): Quantity {
  return { nanos: a.nanos + b.nanos, format: a.nanos === 0n && a === ZERO ? b.format : a.format };
}

/** Quantity.String(): the largest suffix that keeps the number whole (binary suffixes only for whole units). */
export function formatQuantity(q: Quantity): string {
  if (q.nanos === 0n) return '0';
  const neg = q.nanos < 0n;
  const n = neg ? -q.nanos : q.nanos;
  const sign = neg ? '-' : '';
  if (q.format === 'BinarySI' && n % 1_000_000_000n === 0n) {
    const units = n / 1_000_000_000n;
    for (const [suffix, size] of BINARY) if (units % size === 0n) return `${sign}${units / size}${suffix}`;
    // Not a whole binary multiple: Go falls back to decimal form.
  }
  for (const [suffix, exp] of DECIMAL) {
    const size = 10n ** BigInt(exp + 9);
    if (n % size === 0n) return `${sign}${n / size}${suffix}`;
  }
  return `${sign}${n}n`;
}

/** Milli-units (cpu) and whole units (memory), for describe's percentages. */
export const milliValue = (q: Quantity) => Number(q.nanos / 1_000_000n);
export const value = (q: Quantity) => Number((q.nanos + 999_999_999n) / 1_000_000_000n);
