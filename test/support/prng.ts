// A small deterministic PRNG (xorshift32) for the fuzz tests: the same seed gives the
// same cases on every run, so a failure can be replayed.
export interface Prng {
  /** uniform in [0, 1) */
  next(): number;
  /** an integer in [0, n) */
  int(n: number): number;
  pick<T>(a: readonly T[]): T;
  bytes(n: number): Buffer;
}

export function rng(seed: number): Prng {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(a: readonly T[]): T => a[Math.floor(next() * a.length)]!,
    bytes: (n: number) => {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = int(256);
      return b;
    },
  };
}
