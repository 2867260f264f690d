// Learning the traffic and rebalancing on it (controller/balancer/README.md "Learning the
// traffic", "Not oscillating"): 1-in-N sampling estimates the per-prefix distribution
// within its binomial error, the trigger fires only on a confirmed imbalance, not twice
// within its interval, and rebalances to a tighter target (the hysteresis band); a group
// ties them together and installs only what moved.
import t from 'tap';
import { BalancedGroup, parsePrefix, RebalanceTrigger, Sampler, samplingError, TrafficEstimator, Traffic } from '../../controller/balancer/index.js';
import { gaussian } from '../../controller/balancer/synthetic.js';
import { Rng } from '../../controller/placement/rng.js';

/** Packet addresses drawn from a distribution (by inverse CDF over /16 buckets). */
function packets(traffic: Traffic, rng: Rng, count: number, each: (addr: number) => void): void {
  const cdf = new Float64Array(65536);
  let run = 0;
  for (let i = 0; i < 65536; i++) cdf[i] = run += traffic.load({ base: i * 65536, len: 16 });
  for (let k = 0; k < count; k++) {
    const u = rng.next() * run;
    let lo = 0;
    let hi = 65535;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    each(lo * 65536 + rng.int(65536));
  }
}

t.test('1-in-100 sampling: totals and per-prefix shares within four binomial standard errors', async (t) => {
  const truth = gaussian(0.5, 0.1);
  const rng = new Rng(7);
  const sampler = new Sampler(100, rng);
  const est = new TrafficEstimator({ samplingRate: 100, smoothing: 1 });
  const N = 400_000;
  packets(truth, rng, N, (a) => sampler.take() && est.sample(a));
  const samples = est.samples;
  t.ok(Math.abs(samples - N / 100) < 4 * Math.sqrt(N / 100), `${samples} samples of ${N} packets`);
  const got = est.endWindow();
  t.ok(Math.abs(got.total - N) / N < 4 * samplingError(samples), `estimated total ${got.total}`);
  for (const p of ['0.0.0.0/1', '128.0.0.0/2', '96.0.0.0/3', '112.0.0.0/4']) {
    const share = truth.load(parsePrefix(p)) / truth.total;
    const est = got.load(parsePrefix(p)) / got.total;
    t.ok(Math.abs(est - share) < 4 * Math.sqrt(share / samples) + 1e-9, `${p}: ${est.toFixed(4)} vs ${share.toFixed(4)}`);
  }
});

t.test('replica counters per sub-prefix; the moving average smooths windows', async (t) => {
  const est = new TrafficEstimator({ depth: 8, samplingRate: 10, smoothing: 0.5 });
  t.equal(est.estimate().total, 1, 'uniform before anything is learnt');
  est.count(parsePrefix('10.0.0.0/8'), 30);
  est.count(parsePrefix('0.0.0.0/7'), 20); // coarser than /8: spread over its two /8s
  let e = est.endWindow();
  t.equal(e.load(parsePrefix('10.0.0.0/8')), 300);
  t.equal(e.load(parsePrefix('1.0.0.0/8')), 100);
  t.equal(e.total, 500);
  est.count(parsePrefix('10.0.0.0/8'), 10);
  e = est.endWindow();
  t.equal(e.load(parsePrefix('10.0.0.0/8')), 0.5 * 100 + 0.5 * 300);
  t.equal(e.load(parsePrefix('0.0.0.0/8')), 50);
  t.throws(() => new TrafficEstimator({ smoothing: 0 }), /smoothing/);
  t.throws(() => new TrafficEstimator({ samplingRate: 0 }), /sampling rate/);
  t.throws(() => new TrafficEstimator({ depth: 30 }), /depth/);
});

t.test('trigger: fires on a confirmed imbalance, ignores a blip, waits out its interval', async (t) => {
  const tr = new RebalanceTrigger({ maxImbalance: 1.1, confirmations: 2, minIntervalMs: 60_000 });
  t.equal(tr.targetImbalance, 1.05, 'reruns balance to halfway between 1 and the maximum');
  t.equal(tr.observe(1.08, 0), 'balanced');
  t.equal(tr.observe(1.2, 10_000), 'confirming', 'one window above is a blip');
  t.equal(tr.observe(1.09, 20_000), 'balanced');
  t.equal(tr.observe(1.2, 30_000), 'confirming');
  t.equal(tr.observe(1.15, 40_000), 'rebalance');
  tr.ran(40_000);
  t.equal(tr.observe(1.3, 50_000), 'confirming', 'confirmation starts over after a run');
  t.equal(tr.observe(1.3, 60_000), 'too-soon', 'within the interval nothing runs, however imbalanced');
  t.equal(tr.observe(1.3, 100_000), 'rebalance');
  t.throws(() => new RebalanceTrigger({ maxImbalance: 1.1, targetImbalance: 1.2 }), /above the maximum/);
  t.throws(() => new RebalanceTrigger({ maxImbalance: 0.5 }), /maximum imbalance/);
});

t.test('trigger: a measurement oscillating around the maximum never fires, and a rerun lands inside the band', async (t) => {
  const tr = new RebalanceTrigger({ maxImbalance: 1.1, confirmations: 2, minIntervalMs: 0 });
  let fired = 0;
  for (let k = 0; k < 100; k++) if (tr.observe(k % 2 ? 1.12 : 1.09, k * 1000) === 'rebalance') fired++;
  t.equal(fired, 0);
});

t.test('group: traffic shifts, the trigger fires after confirmation, the rerun moves prefixes and installs a diff', async (t) => {
  const servers = Array.from({ length: 6 }, (_, i) => ({ name: `r${i}`, capacity: 1 }));
  const g = new BalancedGroup({
    cookie: 0x42n, servers,
    ports: { field: 'src', forward: { port: 1 }, reverse: { port: 2 }, replicas: Object.fromEntries(servers.map((s, i) => [s.name, [10 + i]])) },
    estimator: { depth: 12, samplingRate: 1, smoothing: 1 },
    trigger: { confirmations: 2, minIntervalMs: 0 },
  });
  t.ok(g.assignment.imbalance <= 1.05 + 1e-9, 'the first run assumes uniform traffic and meets the tighter target');
  const feed = (traffic: Traffic) => {
    const rng = new Rng(3);
    packets(traffic, rng, 60_000, (a) => g.estimator.sample(a));
  };
  feed(Traffic.uniform());
  t.equal(g.tick(1000).verdict, 'balanced');
  const hot = gaussian(0.2, 0.05);
  feed(hot);
  const first = g.tick(2000);
  t.equal(first.verdict, 'confirming', `imbalance ${first.imbalance.toFixed(2)} seen once`);
  feed(hot);
  const second = g.tick(3000);
  t.equal(second.verdict, 'rebalance');
  t.ok(second.change!.moved.length > 0 && second.change!.add.length > 0);
  t.ok(g.assignment.imbalance <= 1.05 + 1e-9, `rebalanced to ${g.assignment.imbalance.toFixed(3)}`);
  feed(hot);
  t.equal(g.tick(4000).verdict, 'balanced', 'and stays balanced on the same traffic');

  const added = g.addReplica({ name: 'r6', capacity: 1 }, [16], 5000);
  t.ok(added.moved.every((m) => m.to === 'r6' || m.to === g.assignment.defaultServer || m.from === g.assignment.defaultServer), 'adding moves traffic towards the new replica');
  t.ok(added.add.some((f) => f.match.inPort === 16), 'its return flows are installed');
  const removed = g.removeReplica('r6', 6000);
  t.ok(removed.moved.every((m) => m.from === 'r6'), 'removing moves only its prefixes');
  t.ok(removed.remove.some((f) => f.match.inPort === 16), 'its flows go');
  t.throws(() => g.removeReplica('nope', 7000), /not in the group/);
});
