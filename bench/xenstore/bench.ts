// Runs inside dom0 (see bench/run.ts): our XenStore client vs libxenstore (C),
// same daemon, same operations, alternating rounds. Prints ops/s and RATIO lines
// (ours / libxenstore, higher is better).
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { XenStore } from '../../xenstore/index.js';
import { defaultSocketPath } from '../../xenstore/connection.js';
import { frame, HEADER_SIZE, Op } from '../../xenstore/wire.js';

const run = promisify(execFile);
const cBench = process.argv[2];
if (!cBench) throw new Error('usage: bench.js PATH_TO_libxenstore-bench');
const N = Number(process.env.XS_BENCH_N ?? 1000);
const ROUNDS = Number(process.env.XS_BENCH_ROUNDS ?? 5);
const VALUE = '0123456789abcdef0123456789abcdef';
const PIPELINE = 32;

async function c(op: string, prefix: string, ...more: string[]): Promise<number> {
  const { stdout } = await run(cBench!, [op, String(N), prefix, ...more]);
  return Number(stdout.trim());
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/**
 * The floor of a Node client against xenstored: sequential reads of the nodes
 * under `prefix` with every READ frame built beforehand and replies counted, not
 * parsed, over a socket read as our client reads it. Seconds for N reads.
 */
async function leanNodeReads(prefix: string): Promise<number> {
  const frames = Array.from({ length: N }, (_, i) => frame(Op.READ, 0, [`${prefix}/${i}`]));
  const acc = Buffer.alloc(1 << 16);
  let have = 0;
  let done: () => void = () => {};
  const onread = (n: number, buf: Buffer): boolean => {
    buf.copy(acc, have, 0, n); // xenstored writes a reply's header and payload separately
    have += n;
    while (have >= HEADER_SIZE && have >= HEADER_SIZE + acc.readUInt32LE(12)) {
      const len = HEADER_SIZE + acc.readUInt32LE(12);
      if (acc.readUInt32LE(0) !== Op.READ) throw new Error(`lean read: reply type ${acc.readUInt32LE(0)}`);
      acc.copy(acc, 0, len, have);
      have -= len;
      done();
    }
    return true;
  };
  const s = connect({ path: defaultSocketPath(), onread: { buffer: Buffer.alloc(65536), callback: onread } });
  await once(s, 'connect');
  const secs = await timed(async () => {
    for (const f of frames) await new Promise<void>((r) => ((done = r), s.write(f)));
  });
  s.destroy();
  return secs;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const xs = await XenStore.connect();
  const root = `/tool/bench-${process.pid}`;
  const results: Record<string, { ours: number[]; c: number[] }> = {};
  const record = (k: string, ours: number, cs: number): void => {
    results[k] ??= { ours: [], c: [] };
    results[k].ours.push(N / ours);
    results[k].c.push(N / cs);
  };
  for (let r = 0; r < ROUNDS; r++) {
    const p = `${root}/r${r}`;
    // Sequential write, then read the same nodes, each side on its own subtree.
    const ow = await timed(async () => {
      for (let i = 0; i < N; i++) await xs.write(`${p}/ours/${i}`, VALUE);
    });
    const cw = await c('write', `${p}/c`);
    record('sequential_write', ow, cw);
    const or = await timed(async () => {
      for (let i = 0; i < N; i++) await xs.read(`${p}/ours/${i}`);
    });
    const cr = await c('read', `${p}/c`);
    record('sequential_read', or, cr);
    // Pipelined: PIPELINE reads in flight on one connection, vs libxenstore's sequential reads.
    const op = await timed(async () => {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < N) await xs.read(`${p}/ours/${next++}`);
      };
      await Promise.all(Array.from({ length: PIPELINE }, worker));
    });
    record('pipelined_read', op, cr);
    record('node_lean_sequential_read', await leanNodeReads(`${p}/c`), cr);
    // The daemon's ceiling: the same reads by C speaking the wire protocol itself.
    record('c_wire_sequential_read', await c('wire-read', `${p}/c`, '1'), cr);
    record('c_wire_pipelined_read', await c('wire-read', `${p}/c`, String(PIPELINE)), cr);
    record('c_wire_spread_read', await c('wire-read', `${p}/c`, '2', String(PIPELINE / 2)), cr);
    // One transaction writing N nodes.
    const ot = await timed(async () => {
      await xs.transaction(async (tx) => {
        for (let i = 0; i < N; i++) await tx.write(`${p}/otx/${i}`, VALUE);
      });
    });
    const ct = await c('tx', `${p}/ctx`);
    record('transaction_1000_writes', ot, ct);
    await xs.rm(p);
  }
  await xs.rm(root).catch(() => {});
  xs.close();
  console.log(`# XenStore benchmark: ${N} ops per figure, ${ROUNDS} rounds, median ops/s (32-byte values, C xenstored over its Unix socket)`);
  const { c_wire_sequential_read: wire1, c_wire_pipelined_read: wire32, c_wire_spread_read: spread, node_lean_sequential_read: lean, ...figures } = results;
  for (const [k, v] of Object.entries(figures)) {
    const ours = median(v.ours);
    const cs = median(v.c);
    console.log(`# ${k}: ours ${ours.toFixed(0)} ops/s, libxenstore ${cs.toFixed(0)} ops/s${k === 'pipelined_read' ? ' (libxenstore sequential)' : ''}`);
  }
  // Not figures of our client: the same reads by the leanest clients possible, in Node and in C.
  const vsLib = (v: { ours: number[]; c: number[] }): string => `${median(v.ours).toFixed(0)} ops/s (${(median(v.ours) / median(v.c)).toFixed(2)}x libxenstore sequential)`;
  console.log(`# floor of Node, reads with every frame built beforehand and replies counted, not parsed: sequential ${vsLib(lean!)}`);
  console.log(`# ceiling of xenstored, the same reads by C speaking the wire protocol itself (one write(2) per request): sequential ${vsLib(wire1!)}, ${PIPELINE} in flight on one connection ${vsLib(wire32!)}, ${PIPELINE} in flight over ${PIPELINE / 2} connections ${vsLib(spread!)}`);
  for (const [k, v] of Object.entries(figures)) console.log(`RATIO xenstore.${k} ${(median(v.ours) / median(v.c)).toFixed(2)}`);
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
