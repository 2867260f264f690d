// openflowd against a real Open vSwitch (userspace datapath): an allocation's flows steer
// a ping from the "net" namespace through two processing-module stand-ins to "sink" and
// back; counters show every hop; deleting the allocation removes exactly its flows.
import t from 'tap';
import { parseAllocation } from '../../clickos-build/allocation.js';
import { createOfctlDriver } from '../../controller/openflowd/ofctl-driver.js';
import { Openflowd } from '../../controller/openflowd/openflowd.js';
import { normaliseDump } from '../../controller/openflow/model.js';
import { startChainLab } from '../support/flows-chain.js';

t.test('two-module chain: a UDP echo passes only through the chain, delete removes exactly its flows', async (t) => {
  const lab = await startChainLab('ch');
  t.teardown(() => lab.stop());
  const driver = createOfctlDriver({ target: lab.ovs.target });
  const d = new Openflowd(driver);

  t.notOk(await lab.ping(), 'no flows: the secure-mode bridge forwards nothing');

  const other = { table: 0, priority: 5, match: { inPort: lab.ports.sink, ethType: 0x0806 }, actions: [] };
  await driver.addFlows(0x77n, [other]);

  const request = parseAllocation(lab.request, 'chain');
  const alloc = { id: 0x1234n, request, modulePorts: { a: [lab.ports.a], b: [lab.ports.b] } };
  const flows = await d.install(alloc);
  t.equal(flows.length, 6, 'one flow per connection');

  t.ok(await lab.ping(), 'a datagram net→sink gets its echo back through the chain');

  const dump = await driver.dumpFlows();
  const mine = dump.filter((f) => f.cookie === 0x1234n);
  t.equal(mine.length, 6);
  for (const f of mine) t.ok(f.packets >= 1n, `flow ${f.match.inPort}/${f.match.vlanVid ?? '-'} was hit`);
  const fwdIn = mine.find((f) => f.match.inPort === lab.ports.net)!;
  t.same(fwdIn.actions, [{ type: 'push_vlan', ethertype: 0x8100 }, { type: 'set_vlan_vid', vid: 100 }, { type: 'output', port: lab.ports.a }], 'tagged with the forward VLAN towards A');
  const revOut = mine.find((f) => f.match.inPort === lab.ports.a && f.match.vlanVid === 101)!;
  t.same(revOut.actions, [{ type: 'pop_vlan' }, { type: 'output', port: lab.ports.net }], 'reverse direction leaves A untagged to the network');

  const stats = await driver.portStats();
  for (const p of ['a', 'b'] as const) {
    const s = stats.find((x) => x.port === lab.ports[p])!;
    t.ok(s.txPackets >= 2n && s.rxPackets >= 2n, `module ${p}'s vif saw the request and the reply both ways`);
  }

  await d.remove(0x1234n);
  const after = await driver.dumpFlows();
  t.same(after.filter((f) => f.cookie === 0x1234n), [], 'no flow of the allocation remains');
  t.same(normaliseDump(after), normaliseDump(dump.filter((f) => f.cookie === 0x77n)), 'the other cookie\'s flow remains');
  t.notOk(await lab.ping(), 'traffic stops');
});
