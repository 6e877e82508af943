// Service allocation as the API server does it: ClusterIPs from the service CIDR, NodePorts from the NodePort range
// (both bitmaps split into a static lower band for hand-picked values and a dynamic upper band that is used first;
// pkg/registry/core/service/ipallocator and portallocator), and LoadBalancer addresses from the pool, as a bare-metal
// load balancer (MetalLB and alike) hands them out. Dynamic picks start at a point derived from the Service's name
// rather than at random, so every run gives the same addresses.
import { bigIntToIP, cidrContains, ipToBigInt, parseCidr, type Cidr, type Family } from '../net/cidr.js';
import { fnv32a } from './names.js';
import { parsePoolEntry } from './config.js';

export type ReserveResult = 'ok' | 'allocated' | 'out-of-range';

export class ServiceIPAllocator {
  readonly cidr: Cidr;
  private readonly used = new Set<bigint>();
  /** First and last offsets that can be handed out (network and broadcast excluded). */
  private readonly min: bigint;
  private readonly max: bigint;
  private readonly offset: bigint;

  constructor(cidrText: string) {
    this.cidr = parseCidr(cidrText);
    // IPv6 ranges are capped at 2^16 addresses for the bitmap, like the legacy allocator does for large ranges.
    const size = this.cidr.family === 'IPv6' && this.cidr.size > 65536n ? 65536n : this.cidr.size;
    this.min = 1n;
    this.max = this.cidr.family === 'IPv4' ? size - 2n : size - 1n;
    const usable = this.max - this.min + 1n;
    // calculateRangeOffset: min(max(16, size/16), 256), and 0 for ranges of 16 or fewer.
    const byFraction = usable / 16n;
    this.offset = usable <= 16n ? 0n : byFraction < 16n ? 16n : byFraction > 256n ? 256n : byFraction;
  }

  get family(): Family { return this.cidr.family; }

  reserve(ip: string): ReserveResult {
    if (!cidrContains(this.cidr, ip)) return 'out-of-range';
    const off = ipToBigInt(ip) - this.cidr.base;
    if (off < this.min || off > this.max) return 'out-of-range';
    if (this.used.has(off)) return 'allocated';
    this.used.add(off);
    return 'ok';
  }

  /** The upper band from a seed-derived start, wrapping; then the lower band. Undefined when full. */
  allocate(seed: string): string | undefined {
    const upperStart = this.min + this.offset;
    const upperSize = this.max - upperStart + 1n;
    const pick = (from: bigint, size: bigint): bigint | undefined => {
      if (size <= 0n) return undefined;
      const start = BigInt(fnv32a(seed)) % size;
      for (let i = 0n; i < size; i++) {
        const off = from + ((start + i) % size);
        if (!this.used.has(off)) return off;
      }
      return undefined;
    };
    const off = pick(upperStart, upperSize) ?? pick(this.min, this.offset);
    if (off === undefined) return undefined;
    this.used.add(off);
    return bigIntToIP(this.cidr.base + off, this.cidr.family);
  }

  /** "10.96.0.0/12", as error messages name the range. */
  rangeText(): string { return this.cidr.text; }
}

export class NodePortAllocator {
  private readonly used = new Set<number>();
  private readonly offset: number;

  constructor(readonly base: number, readonly size: number) {
    // portallocator: offset = min(max(16, size/32), 128).
    this.offset = Math.min(Math.max(16, Math.floor(size / 32)), 128);
  }

  reserve(port: number): ReserveResult {
    if (port < this.base || port >= this.base + this.size) return 'out-of-range';
    if (this.used.has(port)) return 'allocated';
    this.used.add(port);
    return 'ok';
  }

  allocate(seed: string): number | undefined {
    const pick = (from: number, size: number): number | undefined => {
      if (size <= 0) return undefined;
      const start = fnv32a(seed) % size;
      for (let i = 0; i < size; i++) {
        const p = from + ((start + i) % size);
        if (!this.used.has(p)) return p;
      }
      return undefined;
    };
    const port = pick(this.base + this.offset, this.size - this.offset) ?? pick(this.base, this.offset);
    if (port !== undefined) this.used.add(port);
    return port;
  }

  rangeText(): string { return `${this.base}-${this.base + this.size - 1}`; }
}

/** LoadBalancer addresses handed out in order from the pool's ranges. */
export class LoadBalancerPool {
  private readonly ranges: { first: bigint; last: bigint; family: Family }[];
  private readonly used = new Set<string>();

  constructor(entries: readonly string[]) {
    this.ranges = entries.map((e) => {
      const { first, last } = parsePoolEntry(e);
      const family: Family = first.includes(':') ? 'IPv6' : 'IPv4';
      return { first: ipToBigInt(first), last: ipToBigInt(last), family };
    });
  }

  contains(ip: string): boolean {
    const fam: Family = ip.includes(':') ? 'IPv6' : 'IPv4';
    const n = ipToBigInt(ip);
    return this.ranges.some((r) => r.family === fam && n >= r.first && n <= r.last);
  }

  reserve(ip: string): boolean {
    if (this.used.has(ip)) return false;
    this.used.add(ip);
    return true;
  }

  allocate(family: Family): string | undefined {
    for (const r of this.ranges) {
      if (r.family !== family) continue;
      for (let n = r.first; n <= r.last; n++) {
        const ip = bigIntToIP(n, family);
        if (!this.used.has(ip)) {
          this.used.add(ip);
          return ip;
        }
      }
    }
    return undefined;
  }
}
