// Reads the counts tap prints at the end of a run or of a single test file.
export interface Counts {
  pass: number;
  fail: number;
  skip: number;
}

/** tap ends with "# { total: 9, pass: 8, fail: 1, skip: 0 }"; undefined if it never got there. */
export function countsFromTap(output: string): Counts | undefined {
  const last = output
    .split('\n')
    .filter((l) => /^# \{ total: \d+/.test(l))
    .at(-1);
  if (!last) return undefined;
  const get = (k: string): number => Number(new RegExp(`\\b${k}: (\\d+)`).exec(last)?.[1] ?? 0);
  // total = pass + fail + skip + todo: skipped points are not counted as passed.
  return { pass: get('pass'), fail: get('fail'), skip: get('skip') + get('todo') };
}

/**
 * The "not ok" lines of a tap output, innermost last, so that a run's end can name what
 * failed: the CI record keeps only the tail of a 40-minute log.
 */
export function failuresFromTap(output: string): string[] {
  return output
    .split('\n')
    .filter((l) => /^\s*not ok \d+/.test(l) && !/# (SKIP|TODO)/i.test(l))
    .map((l) => l.trim());
}
