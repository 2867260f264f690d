// The sFlow v5 decoder (controller/sflow/sflow.ts) against a GOLDEN datagram captured from a
// real Open vSwitch (test/fixtures/sflow/ovs-udp-sample.bin: userspace datapath, sampling
// 1 in 2, UDP 10.99.1.2 → 10.77.0.2 entering at one port; captured, and its .json written
// from what the test sent and ovs-vsctl's ifindex, by test/unit/resourced-balanced-learning.test.ts
// with UPDATE_SFLOW_FIXTURE=1). OVS adds records beside the sampled header (extended switch
// data): they are skipped; every sample gives the sent source and destination.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeSflow, SflowDecodeError } from '../../controller/sflow/sflow.js';

const dir = join(import.meta.dirname, '..', 'fixtures', 'sflow');
const addr = (d: string) => d.split('.').reduce((n, x) => n * 256 + Number(x), 0);

t.test('a real OVS datagram: each flow sample gives input ifindex, rate, source and destination', async (t) => {
  const d = await readFile(join(dir, 'ovs-udp-sample.bin'));
  const meta = JSON.parse(await readFile(join(dir, 'ovs-udp-sample.json'), 'utf8')) as { input: number; rate: number; src: string; dst: string; samples: number };
  const samples = decodeSflow(d);
  t.equal(samples.length, meta.samples, `${meta.samples} flow samples`);
  t.ok(samples.length > 0);
  for (const s of samples) t.same(s, { input: meta.input, rate: meta.rate, src: addr(meta.src), dst: addr(meta.dst) });
  t.equal(d.readUInt32BE(0), 5, 'sFlow version 5');
});

t.test('the same datagram cut anywhere: refused, never read past its end', async (t) => {
  const d = await readFile(join(dir, 'ovs-udp-sample.bin'));
  let refused = 0;
  for (let n = 0; n < d.length; n++) {
    try {
      decodeSflow(d.subarray(0, n));
    } catch (e) {
      if (e instanceof SflowDecodeError) refused++;
      else throw e;
    }
  }
  t.equal(refused, d.length, `every one of its ${d.length} prefixes is refused with an SflowDecodeError`);
  const bad = Buffer.from(d);
  bad.writeUInt32BE(3, 4); // agent address type
  t.throws(() => decodeSflow(bad), /agent address type 3/);
});
