// resourced's learning loop (controller/resourced/balanced-learning.ts) window by window,
// with its REAL sFlow collector receiving over UDP the datagram a real Open vSwitch sent
// (test/fixtures/sflow/ovs-udp-sample.bin: samples of 10.99.1.2 → 10.77.0.2 entering at
// ifindex 5), and a STAND-IN for the steering (openflowd's set_sampling: it records the
// calls and answers a port list) and for resourced's rebalance hook (answers "busy" once).
// What the real-OVS test (resourced-balanced-learning.test.ts) cannot pin down in time:
// sampling on for the first group and off after the last; samples of another port ignored;
// a window without samples closes nothing; the trigger's confirmations; a busy group
// retried next window; the estimate handed to the next run; a follower leaves the switch alone.
import t from 'tap';
import dgram from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BalancedLearning, type LearningConfig } from '../../controller/resourced/balanced-learning.js';
import { SharedSampling } from '../../controller/resourced/sampling.js';
import type { AllocationRecord } from '../../controller/resourced/allocations.js';
import type { SamplingOn, SamplingState } from '../../controller/openflowd/sflow-export.js';
import type { Steering } from '../../controller/openflowd/steering.js';
import { sleep } from '../support/wait.js';
import { parsePrefix } from '../../controller/balancer/prefix.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'sflow', 'ovs-udp-sample.bin');

const config: LearningConfig = {
  learn: true, samplingRate: 2, intervalMs: 1000, maxImbalance: 1.2, confirmations: 2, minIntervalMs: 0,
  depth: 16, smoothing: 1, collector: { host: '127.0.0.1', port: 0 }, header: 64,
};

/** A balanced allocation split 0/1 → n#1, 128/1 → n#2 (the recorded assignment). */
const record = (id: number): AllocationRecord =>
  ({ id, state: 'installed', balanced: { module: 'n', field: 'src', replicas: ['n#1', 'n#2'], leaving: [], generation: 0, defaultServer: 'n#2', leaves: [{ prefix: '0.0.0.0/1', server: 'n#1' }, { prefix: '128.0.0.0/1', server: 'n#2' }] } }) as unknown as AllocationRecord;

t.test('windows, trigger, busy retry, sampling on and off', async (t) => {
  const datagram = await readFile(FIXTURE);
  const calls: Array<SamplingOn | null> = [];
  // STAND-IN steering: only set_sampling; port 1 is ifindex 5 (the fixture's input), port 2 ifindex 6
  const steeringStandin = {
    async sampling(on: SamplingOn | null): Promise<SamplingState> {
      calls.push(on);
      return { bridge: 'bstandin', enabled: on !== null, ports: [{ port: 1, name: 'net', ifindex: 5 }, { port: 2, name: 'sink', ifindex: 6 }] };
    },
  } as unknown as Steering;
  let groups: AllocationRecord[] = [];
  let forward = 1;
  let acting = true;
  const rebalances: number[] = [];
  let busyOnce = true;
  const logs: string[] = [];
  const l = new BalancedLearning({
    steering: steeringStandin,
    sampling: new SharedSampling(steeringStandin, config),
    config,
    log: (m) => logs.push(m),
    groups: () => groups,
    acting: () => acting,
    forwardPort: async () => forward,
    rebalance: async (id) => {
      if (busyOnce) {
        busyOnce = false;
        return false;
      }
      rebalances.push(id);
      return true;
    },
  });
  t.teardown(() => l.close());
  const sender = dgram.createSocket('udp4');
  t.teardown(() => sender.close());
  /** Sends the captured datagram `n` times to the collector set_sampling was given. */
  const send = async (n: number) => {
    const [host, port] = calls.at(-1)!.collector.split(':');
    for (let i = 0; i < n; i++) await new Promise<void>((r) => sender.send(datagram, Number(port), host, () => r()));
    await sleep(200);
  };

  await l.sync();
  t.same(calls, [], 'no balanced allocation: sampling untouched');
  groups = [record(1)];
  await l.sync();
  t.match(calls, [{ collector: /^127\.0\.0\.1:\d+$/, rate: 2, header: 64 }], 'the first group: sampling on toward the collector');
  await l.sync();
  t.equal(calls.length, 1, 'sync again: no second call');

  let now = 1_000_000;
  await l.tick((now += 1000));
  t.same(l.learned(1), {}, 'no samples yet: no estimate (the next run balances uniform traffic)');
  t.equal(l.info(record(1)), undefined);

  await send(3);
  await l.tick((now += 1000));
  let info = l.info(record(1))!;
  t.match(info.learned, { windows: 1, samples: 30, imbalance: 2, verdict: 'confirming' }, 'every sample is 10.99.1.2, in n#1\'s half: imbalance 2, first window above the maximum');
  t.same([...info.shares], [['n#1', 1], ['n#2', 0]]);

  await l.tick((now += 1000));
  t.equal(l.info(record(1))!.learned!.windows, 1, 'a window without samples closes nothing');

  await send(1);
  await l.tick((now += 1000));
  t.equal(l.info(record(1))!.learned!.verdict, 'busy', 'the trigger fired, the group was busy: nothing ran');
  t.same(rebalances, []);

  await send(1);
  await l.tick((now += 1000));
  t.equal(l.info(record(1))!.learned!.verdict, 'rebalance', 'fired again the next window, and ran');
  t.same(rebalances, [1]);
  const learned = l.learned(1);
  t.equal(learned.maxImbalance, 1.1, "the run balances to the trigger's target");
  t.equal(learned.traffic!.load(parsePrefix('10.99.0.0/16')), learned.traffic!.total, "the estimate: all traffic in 10.99.1.2's bucket (a /16 at depth 16)");
  t.ok(logs.some((m) => /^audit: balancer learning: allocation 1: imbalance 2\.000 above 1\.2 for 2 window\(s\)/.test(m)), 'said in the log');

  await send(1);
  await l.tick((now += 1000));
  t.equal(l.info(record(1))!.learned!.verdict, 'confirming', 'after a run the confirmations start again');

  // samples of another port (the sink side) are not the group's
  forward = 2;
  groups = [record(2)];
  await l.sync();
  await send(2);
  await l.tick((now += 1000));
  t.equal(l.info(record(2)), undefined, "samples entering at another port than the group's forward port: nothing learned");

  groups = [];
  await l.sync();
  t.equal(calls.at(-1), null, 'the last group gone: sampling off');
  const offs = calls.length;
  await l.sync();
  t.equal(calls.length, offs, 'and only once');

  // a follower (etcd: not the leader) leaves the switch's sampling to the leader
  acting = false;
  groups = [record(3)];
  await l.sync();
  t.equal(calls.length, offs, 'a follower does not turn sampling on');
  acting = true;
  await l.sync();
  t.notSame(calls.at(-1), null, 'elected: on');
  await l.close();
  t.equal(calls.at(-1), null, 'close(): off');
});
