// A fixed-size set of small integers (equivalence-class ids), packed 32 per word: the matrix is unions and
// intersections of these, so 2,000 classes cost 63 words per set instead of 2,000 booleans.

export class Bitset {
  readonly words: Uint32Array;
  constructor(readonly size: number, words?: Uint32Array) {
    this.words = words ?? new Uint32Array((size + 31) >>> 5);
  }

  static full(size: number): Bitset {
    const b = new Bitset(size);
    b.words.fill(0xffffffff);
    b.trim();
    return b;
  }

  static of(size: number, ids: Iterable<number>): Bitset {
    const b = new Bitset(size);
    for (const i of ids) b.add(i);
    return b;
  }

  has(i: number): boolean { return (this.words[i >>> 5] & (1 << (i & 31))) !== 0; }
  add(i: number): void { this.words[i >>> 5] |= 1 << (i & 31); }
  clone(): Bitset { return new Bitset(this.size, this.words.slice()); }

  /** this |= other */
  or(other: Bitset): this {
    const w = this.words, o = other.words;
    for (let i = 0; i < w.length; i++) w[i] |= o[i];
    return this;
  }
  /** this &= other */
  and(other: Bitset): this {
    const w = this.words, o = other.words;
    for (let i = 0; i < w.length; i++) w[i] &= o[i];
    return this;
  }
  /** this &= ~other */
  andNot(other: Bitset): this {
    const w = this.words, o = other.words;
    for (let i = 0; i < w.length; i++) w[i] &= ~o[i];
    return this;
  }
  not(): this {
    const w = this.words;
    for (let i = 0; i < w.length; i++) w[i] = ~w[i];
    return this.trim();
  }
  isEmpty(): boolean {
    for (const x of this.words) if (x !== 0) return false;
    return true;
  }
  count(): number {
    let n = 0;
    for (let x of this.words) { while (x) { x &= x - 1; n++; } }
    return n;
  }
  *[Symbol.iterator](): IterableIterator<number> {
    for (let wi = 0; wi < this.words.length; wi++) {
      let x = this.words[wi];
      while (x) {
        const bit = 31 - Math.clz32(x & -x);
        yield (wi << 5) + bit;
        x &= x - 1;
      }
    }
  }
  private trim(): this {
    const extra = this.words.length * 32 - this.size;
    if (extra > 0 && this.words.length > 0) this.words[this.words.length - 1] &= 0xffffffff >>> extra;
    return this;
  }
}
