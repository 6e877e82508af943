// Pod IP allocation as the CNI host-local IPAM plugin does it per node range: the gateway (.1) is reserved, addresses
// are handed out from .2 upwards (first free), the network and broadcast addresses never, and a held address is never
// given twice. Running out is an error for that pod only.
import { bigIntToIP, cidrContains, familyOf, ipToBigInt, parseCidr, type Cidr } from '../net/cidr.js';

export class RangeAllocator {
  readonly cidr: Cidr;
  private readonly used = new Set<bigint>();
  private cursor: bigint;
  private readonly first: bigint;
  private readonly last: bigint;

  constructor(cidrText: string) {
    this.cidr = parseCidr(cidrText);
    const isV4 = this.cidr.family === 'IPv4';
    // host-local: rangeStart defaults to network+1, the gateway (network+1) is excluded, so the first pod gets .2.
    this.first = this.cidr.base + 2n;
    // IPv4 excludes the broadcast address; IPv6 has none.
    this.last = this.cidr.base + this.cidr.size - (isV4 ? 2n : 1n);
    this.cursor = this.first;
  }

  contains(ip: string): boolean {
    return cidrContains(this.cidr, ip);
  }

  /** Holds an address if it is in this range and free (one parse of the address); false otherwise. */
  tryReserve(ip: string): boolean {
    if (familyOf(ip) !== this.cidr.family) return false;
    let n: bigint;
    try { n = ipToBigInt(ip); } catch { return false; }
    if (n < this.cidr.base || n >= this.cidr.base + this.cidr.size || this.used.has(n)) return false;
    this.used.add(n);
    return true;
  }

  /** Marks an address as held; false when it already was. */
  reserve(ip: string): boolean {
    const n = ipToBigInt(ip);
    if (this.used.has(n)) return false;
    this.used.add(n);
    return true;
  }

  /** The next free address, or undefined when the range is exhausted. */
  allocate(): string | undefined {
    for (let n = this.cursor; n <= this.last; n++) {
      if (!this.used.has(n)) {
        this.used.add(n);
        this.cursor = n + 1n;
        return bigIntToIP(n, this.cidr.family);
      }
    }
    return undefined;
  }

  release(ip: string): void {
    const n = ipToBigInt(ip);
    this.used.delete(n);
    if (n < this.cursor && n >= this.first) this.cursor = n;
  }

  /** Usable addresses in the range (what `host-local` can hand out). */
  capacity(): bigint {
    return this.last - this.first + 1n;
  }
}
