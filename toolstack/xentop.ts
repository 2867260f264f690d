// Parser for `xentop -b` (batch mode, xentop(1)): one header line per iteration,
// then one line per domain. CPU(%) is computed between two samples, so the first
// iteration always shows 0.0: callers wanting a load run `-i 2` and keep the last
// frame. Kept apart from any process running, so it is unit-testable.

export interface XentopDomain {
  name: string;
  /** xentop's six state letters, e.g. "--b---" (d s b c p r). */
  state: string;
  cpuSeconds: number;
  /** Per cent of one physical CPU over the sampling interval (can exceed 100 with several vcpus). */
  cpuPercent: number;
  memoryKiB: number;
  memoryPercent: number;
  /** undefined when xentop prints "no limit". */
  maxMemoryKiB?: number;
  vcpus: number;
  nets: number;
  netTxKiB: number;
  netRxKiB: number;
  vbds: number;
}

const STATE = /^[-dsbcpr]{6}$/;

/** One token stream per line: "no limit" (MAXMEM) is glued into one token. */
function tokens(line: string): string[] {
  return line.trim().replace(/\bno limit\b/g, 'no_limit').split(/\s+/);
}

function num(s: string | undefined, what: string, line: string): number {
  const n = Number(s);
  if (s === undefined || !Number.isFinite(n)) throw new SyntaxError(`xentop: bad ${what} ${JSON.stringify(s)} in: ${line}`);
  return n;
}

/** Every iteration's rows, oldest first (frames split at the NAME header lines). */
export function parseXentopFrames(out: string): XentopDomain[][] {
  const frames: XentopDomain[][] = [];
  for (const line of out.split('\n')) {
    if (line.trim() === '') continue;
    if (/^\s*NAME\s+STATE\b/.test(line)) {
      frames.push([]);
      continue;
    }
    const cur = frames.at(-1);
    if (!cur) throw new SyntaxError(`xentop: a domain line before any header: ${line}`);
    // -n / -x detail lines (Net.../VBD...) are indented sub-rows: not asked for, ignored.
    if (/^\s+(Net|VBD)\d*\b/.test(line)) continue;
    const f = tokens(line);
    // The name is everything before the state column (names cannot contain a state-like word in practice).
    const at = f.findIndex((x, i) => i > 0 && STATE.test(x));
    if (at < 1 || f.length < at + 13) throw new SyntaxError(`xentop: unexpected line: ${line}`);
    const v = f.slice(at);
    cur.push({
      name: f.slice(0, at).join(' '),
      state: v[0]!,
      cpuSeconds: num(v[1], 'CPU(sec)', line),
      cpuPercent: num(v[2], 'CPU(%)', line),
      memoryKiB: num(v[3], 'MEM(k)', line),
      memoryPercent: num(v[4], 'MEM(%)', line),
      maxMemoryKiB: v[5] === 'no_limit' ? undefined : num(v[5], 'MAXMEM(k)', line),
      vcpus: num(v[7], 'VCPUS', line),
      nets: num(v[8], 'NETS', line),
      netTxKiB: num(v[9], 'NETTX(k)', line),
      netRxKiB: num(v[10], 'NETRX(k)', line),
      vbds: num(v[11], 'VBDS', line),
    });
  }
  return frames;
}

/** The last iteration: the only one whose CPU(%) is a real measurement when -i ≥ 2. */
export function parseXentop(out: string): XentopDomain[] {
  const frames = parseXentopFrames(out);
  if (frames.length === 0) throw new SyntaxError('xentop printed no header line');
  return frames.at(-1)!;
}
