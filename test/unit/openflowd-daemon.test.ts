// openflowd as a daemon (controller/openflowd/daemon.ts): every method called with
// Python's own xmlrpc.client and through RemoteSteering against a real private Open
// vSwitch, whose flows are read back with ovs-ofctl itself, not through our drivers.
import t from 'tap';
import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllocation } from '../../clickos-build/index.js';
import { XmlRpcClient, callApi, errorOf, methodNames } from '../../daemon/index.js';
import { openflowdApi } from '../../controller/openflowd/api.js';
import { createOpenflowdDaemon } from '../../controller/openflowd/daemon.js';
import { parseConfig } from '../../controller/openflowd/config.js';
import { createOfctlDriver, FlowPlanError, Openflowd, normaliseDump } from '../../controller/openflowd/index.js';
import { RemoteSteering } from '../../controller/openflowd/remote-steering.js';
import { requestText } from '../../controller/openflowd/request-text.js';
import { FlowSteering, type SteeredAllocation } from '../../controller/openflowd/steering.js';
import { startOvs } from '../support/ovs.js';
import { python } from '../support/resourced.js';

const noPos = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (k, v: unknown) => (k === 'pos' ? undefined : v)));
const SECRET = 'openflowd-test-secret-0123456789';
const SWITCH = 'sw-test';
/** Two one-vif modules between net0 and sink0: three flows. */
const CHAIN = 'BASESYS=xen.clickos\nfwd :: FromNet("ip,in_port=net0,nw_dst=10.77.0.2")\ntosink :: ToNet("sink0")\nfwd -> a :: Fwd() -> b :: Fwd() -> tosink\n';

t.test('openflowd daemon: every method over XML-RPC, flows checked on the switch', async (t) => {
  const tag = `ofd${process.pid % 10000}`;
  const ovs = await startOvs(tag);
  t.teardown(() => ovs.stop());
  const port: Record<string, number> = {};
  for (const [name, nsName] of [['net0', 'n'], ['sink0', 's'], ['vif7.0', 'a'], ['vif8.0', 'b'], ['up0', 'u']] as const)
    port[name] = await ovs.addVethPort(name, 'eth0', `${tag}-${nsName}`);
  const ofctl = async (...args: string[]): Promise<string[]> =>
    (await execa('ovs-ofctl', ['-O', 'OpenFlow13', '--no-names', ...args], { env: ovs.env })).stdout.split('\n').filter((l) => l.includes('cookie='));
  const onSwitch = async (cookie: string): Promise<string[]> => ofctl('dump-flows', ovs.target, `cookie=${cookie}/-1`);

  const dir = await mkdtemp(join(tmpdir(), 'ofd-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const config = await parseConfig({ secret: SECRET, listen: { port: 0 }, folders: { patches: join(dir, 'patches') }, switch: { name: SWITCH, driver: 'ofctl', target: ovs.target } }, join(dir, 'openflowd.json'));
  t.same(config.switch, { name: SWITCH, driver: 'ofctl', target: ovs.target }, 'the config names the switch');
  const driver = createOfctlDriver({ target: ovs.target });
  const daemon = createOpenflowdDaemon(config, new Openflowd(driver), { log: () => {} });
  const { url } = await daemon.start();
  t.teardown(() => daemon.close());

  const mp = { a: [port['vif7.0']!], b: [port['vif8.0']!] };
  const calls: Array<[string, unknown]> = [
    ['list_ports', null], // 0
    ['install_flows', { cookie: '0x10', request: CHAIN, module_ports: mp }], // 1
    ['create_connections', { switch_name: SWITCH, switch_table_id: 3, alloc: CHAIN, cookie: '17', module_ports: mp }], // 2
    ['create_connections', { switch_name: 'other', switch_table_id: 0, alloc: CHAIN, cookie: '0x20', module_ports: mp }], // 3
    ['install_flows', { cookie: '0x21', request: 'BASESYS=xen.clickos\nfwd :: FromNet("ip")\n', module_ports: mp }], // 4
    ['install_flows', { cookie: '0x22', request: CHAIN, module_ports: { a: mp.a } }], // 5: b has no vif
    ['install_flows', { cookie: '0x23', request: CHAIN.replace('sink0', 'nosuch0'), module_ports: mp }], // 6
    ['install_flows', { cookie: '0', request: CHAIN, module_ports: mp }], // 7
    ['dump_flows', { cookie: '0x10' }], // 8
    ['dump_flows', null], // 9
    ['port_stats', null], // 10
    ['cookies', null], // 11
    // ovs-ofctl refuses output to OFPP_ANY (OFPBAC_BAD_OUT_PORT), after planning succeeded
    ['create_connections', { switch_name: SWITCH, switch_table_id: 5, alloc: CHAIN.replace('"sink0"', '"4294967295"'), cookie: '0x24', module_ports: mp }], // 12 (table 5: no flow of 0x10's to replace)
    // the same flows as 0x10's under another cookie would replace them on the switch
    ['install_flows', { cookie: '0x25', request: CHAIN, module_ports: mp }], // 13
    ['install_flows', { cookie: '0x10', request: CHAIN, module_ports: mp }], // 14: again, its own flows
  ];
  const r = await python(url, calls.map(([m, a]) => [m, a]), SECRET);
  const ok = (i: number): any => {
    t.equal(r[i]!.reply?.code, 0, `${calls[i]![0]} #${i}: ${r[i]!.reply?.message ?? r[i]!.message}`);
    return r[i]!.reply?.value;
  };
  const error = (i: number): string | undefined => (r[i]!.reply?.code === 1 ? r[i]!.reply?.value?.error : `code ${r[i]!.reply?.code}`);

  const ports = ok(0) as Array<{ port: number | string; name: string }>;
  t.same(ports.find((p) => p.name === 'vif7.0'), { port: port['vif7.0'], name: 'vif7.0' }, 'list_ports: vif names and numbers');
  t.ok(ports.some((p) => p.port === 'LOCAL'), 'list_ports: the bridge port');

  t.equal(ok(1), 3, 'install_flows: three flows');
  const f10 = await onSwitch('0x10');
  t.equal(f10.length, 3, 'and ovs-ofctl sees them under cookie 0x10');
  t.ok(f10.some((l) => l.includes(`in_port=${port['vif7.0']}`) && l.includes(`output:${port['vif8.0']}`)), 'a → b');
  t.ok(f10.some((l) => l.includes(`in_port=${port['net0']}`) && l.includes(`output:${port['vif7.0']}`)), 'net0 → a');

  t.equal(ok(2), 3, 'create_connections: three flows');
  const f17 = await onSwitch('0x11');
  t.equal(f17.length, 3, 'under cookie 17 = 0x11');
  t.ok(f17.every((l) => l.includes('table=3')), 'in table switch_table_id');

  t.equal(error(3), 'wrong_switch', 'create_connections on another switch is refused');
  t.match(r[3]!.reply?.message, /sw-test/);
  t.equal(error(4), 'plan_refused', 'a malformed request is refused');
  t.equal(error(5), 'plan_refused', 'a module without vif is refused');
  t.equal(error(6), 'plan_refused', 'a ToNet naming no port is refused');
  t.equal(error(7), 'bad_cookie', 'cookie 0 is refused');
  t.equal(error(12), 'switch_refused', 'a flow the switch side refuses');
  t.match(r[12]!.reply?.message, /OFPBAC_BAD_OUT_PORT/);
  t.equal(error(13), 'plan_refused', 'flows that would replace another allocation\'s are refused');
  t.match(r[13]!.reply?.message, /would replace the flow of cookie 0x10/);
  t.equal(ok(14), 3, 'an allocation installed again replaces its own flows');
  for (const c of ['0x20', '0x21', '0x22', '0x23', '0x24', '0x25']) t.same(await onSwitch(c), [], `nothing installed under ${c}`);

  const d10 = ok(8) as Array<{ cookie: string; table: number; packets: number }>;
  t.equal(d10.length, 3, 'dump_flows {cookie}: that cookie only');
  t.ok(d10.every((f) => f.cookie === '0x10' && f.table === 0 && f.packets === 0), 'with counters');
  t.equal((ok(9) as unknown[]).length, 6, 'dump_flows: every flow');
  t.ok((ok(10) as Array<{ port: unknown }>).some((p) => p.port === port['net0']), 'port_stats: per port');
  t.same([...(ok(11) as string[])].sort(), ['0x10', '0x11'], 'cookies: each once, as hex');

  const r2 = await python(url, [
    ['remove_flows', { cookie: '16' }],
    ['delete_connections', { switch_name: 'other', switch_table_id: 3, alloc: CHAIN, cookie: '17' }],
    ['cookies', null],
    ['delete_connections', { switch_name: SWITCH, switch_table_id: 3, alloc: CHAIN, cookie: '17' }],
    ['cookies', null],
    ['system.listMethods', null],
  ], SECRET);
  t.equal(r2[0]!.reply?.code, 0, 'remove_flows');
  t.same(await onSwitch('0x10'), [], 'removes cookie 0x10');
  t.equal(r2[1]!.reply?.value?.error, 'wrong_switch', 'delete_connections on another switch is refused');
  t.same(r2[2]!.reply?.value, ['0x11'], 'and exactly that cookie: 0x11 stays');
  t.equal(r2[3]!.reply?.code, 0, 'delete_connections');
  t.same(r2[4]!.reply?.value, [], 'removes 0x11');
  const methods = r2[5]!.reply as unknown as string[];
  t.ok(methodNames(openflowdApi).every((m) => methods.includes(m)), 'system.listMethods lists the API');

  const unauth = await python(url, [['cookies', null]], '-');
  t.equal(unauth[0]!.fault, -32001, 'no secret, no call');

  t.test('a switch that does not answer: switch_unreachable', async (t) => {
    const gone = createOpenflowdDaemon({ ...config, listen: { host: '127.0.0.1', port: 0 } }, new Openflowd(createOfctlDriver({ target: `unix:${join(dir, 'none.mgmt')}` })), { log: () => {} });
    const { url: goneUrl } = await gone.start();
    t.teardown(() => gone.close());
    const client = new XmlRpcClient({ url: goneUrl, secret: SECRET });
    for (const rv of [await callApi(client, openflowdApi, 'list_ports'), await callApi(client, openflowdApi, 'remove_flows', { cookie: '1' })])
      t.equal(rv.code === 1 ? errorOf(rv) : rv.code, 'switch_unreachable', rv.message);
    await t.rejects(new RemoteSteering(client).cookies(), { name: 'OpenflowdCallError', error: 'switch_unreachable' }, 'RemoteSteering throws it with its code');
  });

  t.test('RemoteSteering: the Steering resourced holds, over XML-RPC only', async (t) => {
    const remote = new RemoteSteering({ url, secret: SECRET }, { h2: 'up0' });
    const local = new FlowSteering(new Openflowd(driver), { h2: 'up0' });
    const request = parseAllocation(CHAIN);
    const alloc = (id: number, text?: string): SteeredAllocation => ({
      id,
      request,
      ...(text ? { text } : {}),
      modules: [{ module: 'a', host: 'h1', domid: 7, vifs: 1 }, { module: 'b', host: 'h2', domid: 9, vifs: 1, vlans: [201] }],
    });
    // Equal matches replace each other on a switch: one allocation at a time, each compared after.
    const dump = async (c: bigint) => normaliseDump((await driver.dumpFlows()).filter((f) => f.cookie === c).map((f) => ({ ...f, cookie: 0n })));
    t.equal(await local.install(alloc(7)), 3, 'the in-process FlowSteering, for comparison');
    const want = await dump(7n);
    await local.remove(7);
    t.equal(await remote.install(alloc(6, CHAIN)), 3, 'install (the request text as submitted)');
    t.same(await dump(6n), want, 'the same flows as FlowSteering installs');
    await remote.remove(6);
    t.equal(await remote.install(alloc(5)), 3, 'install (the request printed back from its parsed form)');
    t.same(await dump(5n), want, 'the same flows again');
    const f5 = await onSwitch('0x5');
    t.ok(f5.some((l) => l.includes(`in_port=${port['vif7.0']}`) && l.includes(`output:${port['up0']}`) && l.includes('vlan_vid')), 'b behind h2\'s uplink, tagged with its VLAN');
    // a flow of another table, so that cookie 5's are not replaced
    await driver.addFlows(9n, [{ table: 1, priority: 5, match: {}, actions: [] }]);
    t.same((await remote.cookies()).sort(), [5n, 9n], 'cookies');

    await t.rejects(remote.install({ ...alloc(8), modules: [{ module: 'a', host: 'h1', domid: 99, vifs: 1 }, alloc(8).modules[1]!] }), FlowPlanError, 'a vif not on the switch: refused before any call to install');
    await t.rejects(remote.install({ ...alloc(8, CHAIN.replace('sink0', 'nosuch0')) }), FlowPlanError, 'openflowd\'s plan_refused comes back as FlowPlanError');
    t.same(await onSwitch('0x8'), [], 'nothing installed under 8');

    await remote.remove(5);
    t.same(await onSwitch('0x5'), [], 'remove(5) removes cookie 5');
    t.same(await remote.cookies(), [9n], 'and nothing else');
    await remote.remove(9);
    t.same(await remote.cookies(), []);
  });

  t.test('requestText: a parsed request printed back parses to the same request', async (t) => {
    for (const text of [CHAIN, 'BASESYS=xen.clickos\nX=1\nin :: FromNet("ip,nw_dst=10.0.0.1")\nout :: ToNet("tun1")\nin -> Counting() -> [0]r :: Router(a "b", 2)[0] -> out\n']) {
      const req = parseAllocation(text);
      const again = parseAllocation(requestText(req));
      t.same(noPos(again), noPos(req), JSON.stringify(text.slice(0, 40)));
    }
  });
});

t.test('config: every problem listed, the switch per driver', async (t) => {
  const secret = SECRET;
  await t.rejects(parseConfig({ secret, switch: { driver: 'ssh', target: 'br0' } }, '/etc/x.json'), /the ssh driver needs host, username and privateKeyFile/);
  await t.rejects(parseConfig({ secret, switch: { driver: 'ofctl' } }, '/etc/x.json'), /the ofctl driver needs target/);
  await t.rejects(parseConfig({ secret, switch: { driver: 'native' } }, '/etc/x.json'), /give name/);
  await t.rejects(parseConfig({ switch: { driver: 'tcp', target: 'br0' }, bogus: 1 }, '/etc/x.json'), /config.bogus: unknown key[\s\S]*config.secret: required/);
  const native = await parseConfig({ secret, switch: { name: 'sw', driver: 'native', controller: { port: 0 } } }, '/etc/x.json');
  t.same(native.switch, { name: 'sw', driver: 'native', controller: { host: '127.0.0.1', port: 0 } });
  const ssh = await parseConfig({ secret, switch: { driver: 'ssh', target: 'br0', host: 'sw-host', username: 'ovs', privateKeyFile: 'id' } }, '/etc/clickos/x.json');
  t.same(ssh.switch, { name: 'br0', driver: 'ssh', target: 'br0', host: 'sw-host', port: 22, username: 'ovs', privateKeyFile: '/etc/clickos/id' }, 'name defaults to the target; paths relative to the file');
  t.same(ssh.flows, { priority: 1000, vlanBase: 100, table: 0 });
  t.same(ssh.listen, { host: '127.0.0.1', port: 7040 });
});
