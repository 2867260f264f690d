/**
 * Instance generator for the experiments of D3.2 §3.2.4 (docs/platform.md), seeded and deterministic.
 *
 * From D3.2:
 *  - basic platform: one I/O node, one ToR, 40 servers of 8 cores and 2048 MB, 1 Gbps
 *    server–ToR links, 10 Gbps internal server bandwidth, no delay constraint;
 *  - large platform: 32 core, 32 intermediate, 500 ToR switches, 10 000 servers (so 20
 *    per ToR), 5 I/O nodes per core switch, 1 Gbps server–ToR links, 10 Gbps internal and
 *    every other link, delay 1 on every link, 8 cores and 2048 MB per server;
 *  - k services of each Table 3.1 type (4k in all), packets of 1024 B, delay bound D
 *    on the large platform.
 *
 * Where D3.2 is silent, we assume (also in README.md):
 *  - Topologies (Figure 3.2 is not in the text), chosen to match Table 3.1's #IO and #PM:
 *      intrusion detection (1 source, 1 sink, 5 PMs):
 *        src → capture → classify → signature → verdict → sink, classify → anomaly (mirror)
 *      load balancing (1 source, 4 sinks, 7 PMs):
 *        src → firewall → balancer → backend1..4 (¼ of the rate each) → sink1..4,
 *        balancer → monitor (mirror)
 *      network access control (1 source, 1 sink, 3 PMs): src → auth → policy → forward → sink
 *      tunnelling (1 source, 2 sinks, 3 PMs):
 *        src → classify → encap → sink1, classify → decap → sink2 (½ of the rate each)
 *    Bounded paths: every source→sink path, all with the instance's bound D.
 *  - Demands: CPU drawn from the type's set, memory uniform in the type's range, one
 *    packet rate per service uniform in the type's range. Intrusion detection's two
 *    analysis engines (signature, anomaly) draw memory from the top of its range
 *    (512..1024 MB), its three packet-path modules from the bottom (100..300 MB), so that
 *    its delay-bounded chain of four can share one server (3·300 + 1024 ≤ 2048) — with all
 *    five uniform in 100..1024 most chains could not, and D11, feasible in D3.2, would
 *    be infeasible by construction.
 *  - Intra-server delay 1 (D3.2: "the delay on each link is assumed to be 1", and the
 *    internal bandwidth is modelled as a link). Then I/O node → server is 4 hops, so the
 *    intrusion-detection chain needs at least 4 + 3 + 4 = 11: D10 is infeasible by
 *    construction, as D3.2 found it.
 *  - Bandwidth: a rate of r packets/s is r·packetBits/10⁶ Mbit/s with packetBits = 1024
 *    by default, i.e. D3.2's "1024 B" counted against link figures in bytes. With
 *    8·1024 bits, NS10000 alone would send ≈12 Gbit/s into each rack's 10 Gbps ToR link
 *    (20 services × ≈620 Mbit/s), impossible, whereas D3.2 reports no bandwidth
 *    violation up to NS10000. generatorOptions.packetBits = 8192 gives the strict reading.
 *  - The basic platform's ToR–I/O link: 10 Gbps (unspecified in D3.2).
 *  - Sources and sinks on I/O nodes drawn uniformly at random (D3.2: "placed randomly").
 *  - Services are listed type by type, interleaved (ID, LB, NAC, tunnel, ID, …).
 */
import { Platform, type LinkSpec } from './platform.js';
import { Rng } from './rng.js';
import type { ServiceSpec } from './services.js';

export const SERVER = { cores: 8, memoryMb: 2048 } as const;
const GBPS = 1000; // Mbit/s

export interface TemplateRanges {
  name: string;
  cpu: number[];
  memory: [number, number];
  pps: [number, number];
}

/** Table 3.1, as printed in D3.2. */
export const TABLE_3_1: TemplateRanges[] = [
  { name: 'intrusion detection', cpu: [0.5, 2], memory: [100, 1024], pps: [38800, 100000] },
  { name: 'load balancing', cpu: [0.7, 1, 1.5], memory: [100, 200], pps: [25000, 100000] },
  { name: 'network access control', cpu: [0.5, 1], memory: [100, 200], pps: [96000, 100000] },
  { name: 'tunnelling', cpu: [1.5, 2.5], memory: [200, 1024], pps: [50000, 100000] },
];

export interface GeneratorOptions {
  seed?: number;
  packetBits?: number;
}

export function basicPlatform(): Platform {
  const pf = new Platform();
  const tor = pf.addTor('tor0');
  pf.addIo('io0', tor, { bandwidth: 10 * GBPS, delay: 1 });
  for (let s = 0; s < 40; s++) {
    pf.addServer(`s${s}`, tor, { ...SERVER, internalBandwidth: 10 * GBPS, internalDelay: 1 }, { bandwidth: GBPS, delay: 1 });
  }
  return pf;
}

export interface LargeShape {
  cores: number;
  intermediates: number;
  tors: number;
  serversPerTor: number;
  ioPerCore: number;
}
export const LARGE: LargeShape = { cores: 32, intermediates: 32, tors: 500, serversPerTor: 20, ioPerCore: 5 };

/** D3.2's large data centre (or a scaled-down one of the same shape, for tests). */
export function largePlatform(shape: LargeShape = LARGE): Platform {
  const pf = new Platform();
  const ten: LinkSpec = { bandwidth: 10 * GBPS, delay: 1 };
  const cores = Array.from({ length: shape.cores }, (_, c) => pf.addCore(`core${c}`));
  const ints = Array.from({ length: shape.intermediates }, (_, i) => pf.addIntermediate(`int${i}`));
  for (const i of ints) for (const c of cores) pf.connectCore(i, c, ten);
  cores.forEach((c, ci) => {
    for (let k = 0; k < shape.ioPerCore; k++) pf.addIo(`io${ci * shape.ioPerCore + k}`, c, ten);
  });
  for (let t = 0; t < shape.tors; t++) {
    // ToRs spread evenly over the intermediates (500 / 32: 15 or 16 each).
    const tor = pf.addTor(`tor${t}`, ints[Math.floor((t * shape.intermediates) / shape.tors)]!, ten);
    for (let s = 0; s < shape.serversPerTor; s++) {
      pf.addServer(`s${t * shape.serversPerTor + s}`, tor, { ...SERVER, internalBandwidth: 10 * GBPS, internalDelay: 1 }, { bandwidth: GBPS, delay: 1 });
    }
  }
  return pf;
}

/** k services of each Table 3.1 type on the platform's I/O nodes; delay bound D if given. */
export function generateServices(pf: Platform, k: number, delayBound: number | undefined, opts: GeneratorOptions = {}): ServiceSpec[] {
  const rng = new Rng(opts.seed ?? 1);
  const bits = opts.packetBits ?? 1024;
  const io = (): number => rng.pick(pf.ioNodes);
  const mbps = (pps: number): number => (pps * bits) / 1e6;
  const out: ServiceSpec[] = [];
  for (let i = 0; i < k; i++) {
    for (let t = 0; t < 4; t++) {
      const tpl = TABLE_3_1[t]!;
      const name = `${['ids', 'lb', 'nac', 'tun'][t]}${i}`;
      const cpu = (): number => rng.pick(tpl.cpu);
      const mem = (lo = tpl.memory[0], hi = tpl.memory[1]): number => rng.range(lo, hi);
      const rate = mbps(rng.range(tpl.pps[0], tpl.pps[1]));
      const svc: ServiceSpec = { name, type: tpl.name, modules: [], sources: [{ name: 'src', io: io() }], sinks: [], edges: [] };
      if (delayBound !== undefined) svc.delayBound = delayBound;
      const mod = (n: string, m = mem()): void => {
        svc.modules.push({ name: n, cpu: cpu(), memoryMb: m });
      };
      const e = (a: string, b: string, w = rate): void => {
        svc.edges.push([a, b, w]);
      };
      const sink = (n: string): void => {
        svc.sinks.push({ name: n, io: io() });
      };
      switch (t) {
        case 0: // intrusion detection
          mod('capture', mem(100, 300));
          mod('classify', mem(100, 300));
          mod('signature', mem(512, 1024));
          mod('verdict', mem(100, 300));
          mod('anomaly', mem(512, 1024));
          sink('sink');
          e('src', 'capture');
          e('capture', 'classify');
          e('classify', 'signature');
          e('signature', 'verdict');
          e('verdict', 'sink');
          e('classify', 'anomaly');
          break;
        case 1: // load balancing
          mod('firewall');
          mod('balancer');
          for (let b = 1; b <= 4; b++) mod(`backend${b}`);
          mod('monitor');
          e('src', 'firewall');
          e('firewall', 'balancer');
          for (let b = 1; b <= 4; b++) {
            sink(`sink${b}`);
            e('balancer', `backend${b}`, rate / 4);
            e(`backend${b}`, `sink${b}`, rate / 4);
          }
          e('balancer', 'monitor');
          break;
        case 2: // network access control
          mod('auth');
          mod('policy');
          mod('forward');
          sink('sink');
          e('src', 'auth');
          e('auth', 'policy');
          e('policy', 'forward');
          e('forward', 'sink');
          break;
        default: // tunnelling
          mod('classify');
          mod('encap');
          mod('decap');
          sink('sink1');
          sink('sink2');
          e('src', 'classify');
          e('classify', 'encap', rate / 2);
          e('encap', 'sink1', rate / 2);
          e('classify', 'decap', rate / 2);
          e('decap', 'sink2', rate / 2);
      }
      out.push(svc);
    }
  }
  return out;
}

/** Named instances of D3.2 §3.2.4: NS40..NS52 (basic) and NS<x>-D<y> (large). */
export function instance(name: string, opts: GeneratorOptions = {}): { platform: Platform; services: ServiceSpec[] } {
  const basic = /^NS(40|44|48|52)$/.exec(name);
  if (basic) {
    const platform = basicPlatform();
    return { platform, services: generateServices(platform, Number(basic[1]) / 4, undefined, opts) };
  }
  const large = /^NS(\d+)-D(\d+)$/.exec(name);
  if (large && Number(large[1]) % 4 === 0) {
    const platform = largePlatform();
    return { platform, services: generateServices(platform, Number(large[1]) / 4, Number(large[2]), opts) };
  }
  throw new Error(`generator: unknown instance ${name} (NS40|NS44|NS48|NS52 or NS<4k>-D<bound>)`);
}
