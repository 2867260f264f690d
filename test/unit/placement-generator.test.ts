import t from 'tap';
import { Problem } from '../../controller/placement/index.js';
import { TABLE_3_1, basicPlatform, generateServices, instance, largePlatform } from '../../controller/placement/generator.js';

t.test('same seed, same instance; another seed, another', async (t) => {
  const a = instance('NS48', { seed: 7 });
  const b = instance('NS48', { seed: 7 });
  const c = instance('NS48', { seed: 8 });
  t.same(a.services, b.services);
  t.notSame(a.services, c.services);
  const pf = largePlatform();
  t.same(generateServices(pf, 50, 13, { seed: 2 }), generateServices(pf, 50, 13, { seed: 2 }));
});

t.test('module counts match D3.2 (#PM column of Tables 3.2–3.6)', async (t) => {
  const pf = largePlatform();
  for (const [k, pms] of [[1000, 18000], [1500, 27000], [2000, 36000], [2500, 45000], [3000, 54000]] as const) {
    const svcs = generateServices(pf, k, 15);
    t.equal(svcs.length, 4 * k);
    t.equal(svcs.reduce((n, s) => n + s.modules.length, 0), pms, `NS${4 * k}: ${pms} PMs`);
  }
  t.equal(instance('NS52').services.length, 52);
});

t.test('services follow Table 3.1 (#IO, #PM, CPU set, memory and rate ranges)', async (t) => {
  const pf = basicPlatform();
  const io = [2, 5, 2, 3];
  const pm = [5, 7, 3, 3];
  for (const svc of generateServices(pf, 30, 12, { seed: 4 })) {
    const ti = TABLE_3_1.findIndex((x) => x.name === svc.type);
    const tpl = TABLE_3_1[ti]!;
    t.equal(svc.sources.length + svc.sinks.length, io[ti], `${svc.name}: #IO`);
    t.equal(svc.modules.length, pm[ti], `${svc.name}: #PM`);
    for (const m of svc.modules) {
      t.ok(tpl.cpu.includes(m.cpu), `${svc.name}/${m.name}: cpu ${m.cpu} in Table 3.1`);
      t.ok(m.memoryMb >= tpl.memory[0] && m.memoryMb <= tpl.memory[1], `${svc.name}/${m.name}: memory in range`);
    }
    const top = Math.max(...svc.edges.map((e) => e[2]));
    t.ok(top >= (tpl.pps[0] * 1024) / 1e6 - 1e-9 && top <= (tpl.pps[1] * 1024) / 1e6 + 1e-9, `${svc.name}: rate in range`);
    t.equal(svc.delayBound, 12);
  }
});

t.test("D3.2's platforms have D3.2's shape", async (t) => {
  const large = largePlatform();
  t.equal(large.nServers, 10000);
  t.equal(large.racks.length, 500);
  t.ok(large.racks.every((r) => r.length === 20));
  t.equal(large.cores.length, 32);
  t.equal(large.ioNodes.length, 160);
  t.equal(large.kind.filter((k) => k === 'intermediate').length, 32);
  const basic = basicPlatform();
  t.equal(basic.nServers, 40);
  t.equal(basic.racks.length, 1);
  t.equal(basic.serverCpu[0], 8);
  t.equal(basic.serverMemory[0], 2048);
});

t.test('delay lower bound: D10 infeasible by construction, D11 not', async (t) => {
  const pf = largePlatform();
  const d10 = generateServices(pf, 400, 10);
  // One unit per intrusion-detection chain (4 + 3 + 4 = 11 at best), and one per load
  // balancer whose six path modules (firewall, balancer, 4 backends) need more than 8 cores:
  // its four paths of minimum delay exactly 10 cannot all stay on one server.
  const bigLb = d10.filter((s) => s.type === 'load balancing' && s.modules.slice(0, 6).reduce((a, m) => a + m.cpu, 0) > 8).length;
  t.ok(bigLb > 0, `${bigLb} load balancers too big for one server`);
  t.equal(new Problem(pf, d10).delayLowerBound(), 400 + bigLb);
  t.equal(new Problem(pf, generateServices(pf, 25, 11)).delayLowerBound(), 0);
});
