// hostd in dom0 on real Xen: started as its own process (as systemd would), called
// by Python's xmlrpc.client (python3 in dom0) for every method: create_pm as a
// polled task (through the warm pool), list_pms, handlers, host_stats, router
// stop/start, pm_stats (the processing module daemon role), a config the guest rejects (code 1, no domain left), a restart that
// finds its PM again, a SIGKILL mid-create that leaves no orphan after the
// restart, delete_pm. Teardown destroys every domain with the test's prefix.
//   node dist/test/lab/hostd.test.js        (root, in dom0)
import t from 'tap';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Xl } from '../../toolstack/index.js';
import { projectRoot } from '../../lab/paths.js';
import { DaemonProcess } from '../support/daemon-process.js';
import { pythonSession, type PythonSession } from '../support/python.js';
import { HOSTD_GUESTS, domainNames, waitFor, xl as runXl, xsExists, xsRead } from './helpers.js';

// Plain `node` runs this file: tap's 30 s default would cut a guest boot under emulation.
t.setTimeout(60 * 60_000);

const xl = new Xl({ timeoutMs: 300_000 });
const PREFIX = `hd-${process.pid}`;
const HOSTD = `hostd-lab-${process.pid}`;
const SECRET = randomBytes(24).toString('hex');
const MAIN = join(projectRoot, 'dist', 'hostd', 'main.js');
const CONFIG = 'src :: FromDevice(0);\nc :: Counter();\nsink :: ToDevice(0);\nsrc -> c -> sink;\n';
// Valid Click ClickOS cannot initialise (Counter takes no positional argument); NOT_CLICK the checker refuses.
const BAD_CONFIG = 'src :: FromDevice(0);\nc :: Counter(bogus);\nsink :: ToDevice(0);\nsrc -> c -> sink;\n';
const NOT_CLICK = 'not click\n';
/** replace_config's new config: the same forwarding, its Counter named d. */
const REPLACED = 'src :: FromDevice(0);\nd :: Counter();\nsink :: ToDevice(0);\nsrc -> d -> sink;\n';
const PENDING = `/local/domain/0/clickos-toolstack/hostd/${HOSTD}/pending`;

/** The client: Python's xmlrpc.client in one long-lived process (a session), each reply as JSON. */
const CLIENT = String.raw`
import time, xmlrpc.client
from json_lines import serve
from xmlrpc_proxy import proxy

def handle(url, secret, mode, method, arg):
    p = proxy(url, None if secret == "-" else secret)
    params = () if arg is None else (arg,)
    try:
        if mode == "call":
            return {"reply": getattr(p, method)(*params)}
        # "task:<seconds>": submit, then poll task.status until it is no longer -1
        rv = getattr(p, method)(*params)
        seen = [rv["code"]]
        if rv["code"] == -1:
            tid = rv["value"]
            deadline = time.time() + float(mode.split(":")[1])
            while True:
                st = p.task.status(tid)
                seen.append(st["code"])
                if st["code"] != -1:
                    rv = st
                    break
                if time.time() > deadline:
                    raise SystemExit("task %s did not finish" % tid)
                time.sleep(0.5)
        return {"reply": rv, "seen": seen}
    except xmlrpc.client.Fault as e:
        return {"fault": e.faultCode, "message": e.faultString}

serve(handle)
`;

interface Rv {
  code: number;
  message: string;
  value: any;
}
interface Reply {
  reply?: Rv;
  seen?: number[];
  fault?: number;
  message?: string;
}

let client: PythonSession | undefined;
let url = '';

function py(mode: string, method: string, arg: unknown, secret = SECRET): Promise<Reply> {
  return client!.request<Reply>(url, secret, mode, method, arg ?? null);
}
const call = (method: string, arg?: unknown): Promise<Reply> => py('call', method, arg);
const task = (method: string, arg: unknown, timeoutS = 900): Promise<Reply> => py(`task:${timeoutS}`, method, arg);

/** Nothing of domain `domid` remains: no domain, no XenStore home, no vif backend. */
async function gone(domid: number): Promise<boolean> {
  return !(await xl.list()).some((d) => d.domid === domid) && !xsExists(`/local/domain/${domid}`) && !xsExists(`/local/domain/0/backend/vif/${domid}`);
}

t.test('hostd in dom0', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hostd-lab-'));
  const clientFile = join(dir, 'client.py');
  await writeFile(clientFile, CLIENT);
  client = pythonSession(clientFile, 'python3 xmlrpc.client');
  const auditLog = join(dir, 'audit.jsonl');
  const configFile = join(dir, 'hostd.json');
  await writeFile(
    configFile,
    JSON.stringify({
      name: HOSTD,
      listen: { host: '127.0.0.1', port: 0 },
      secret: SECRET,
      auditLog,
      folders: { patches: join(dir, 'patches') },
      guests: HOSTD_GUESTS,
      pool: { size: 1, prefix: `${PREFIX}-pool` },
    }),
  );
  const hostd = new DaemonProcess('hostd', MAIN);
  t.teardown(async () => {
    await client?.close();
    await hostd.stop('SIGKILL').catch(() => {});
    for (const d of await xl.list()) if (d.name.startsWith(PREFIX)) await xl.destroy(d.domid).catch(() => {});
    await runXl('list').catch(() => {}); // settle
    await new Promise<void>((r) => execFile('xenstore-rm', [`/local/domain/0/clickos-toolstack/hostd/${HOSTD}`], () => r()));
    await rm(dir, { recursive: true, force: true });
  });

  url = await hostd.start(configFile);
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+\/RPC2$/, 'listens on loopback, on the port it was given');
  t.match(hostd.stderr, /0 processing module\(s\) found/);

  t.equal((await py('call', 'list_pms', null, '-')).fault, -32001, 'no secret: refused');
  t.equal((await py('call', 'list_pms', null, 'wrong-secret-0123456789')).fault, -32001, 'wrong secret: refused');
  t.same((await call('list_pms')).reply, { code: 0, message: 'ok', value: [] }, 'no PMs yet');

  const name = `${PREFIX}-pm1`;
  let domid = -1;

  t.test('create_pm: a polled task, Running at the end', async (t) => {
    const r = await task('create_pm', { name, config: CONFIG, configName: 'fw' });
    t.equal(r.seen![0], -1, 'the task answered not-ready at once');
    t.equal(r.reply!.code, 0, `done: ${r.reply!.message}`);
    const v = r.reply!.value;
    t.match(v, { name, rid: 0, confirmed: true });
    t.ok(['pool', 'create', 'replug'].includes(v.source), `source ${v.source}`);
    domid = v.domid;
    t.equal((await runXl('domid', name)).stdout.trim(), String(domid), 'xl knows it by its name');
    t.equal(await xsRead(`/local/domain/${domid}/clickos-toolstack/hostd`), HOSTD, 'marked as this hostd\'s PM in its own XenStore home');
    t.same((await new Promise<string>((r) => execFile('xenstore-list', [PENDING], (_e, out) => r(String(out ?? ''))))).trim(), '', 'no create left pending');
  });

  t.test('list_pms shows the PM and its router', async (t) => {
    const r = await call('list_pms');
    t.same(r.reply!.value, [{ domid, name, routers: [{ rid: 0, status: 'Running', configName: 'fw' }] }]);
  });

  t.test('create_pm with a name in use fails and leaves the PM alone', async (t) => {
    const r = await task('create_pm', { name, config: CONFIG });
    t.equal(r.reply!.code, 1);
    t.match(r.reply!.message, /a domain named .* already exists/);
    t.same((await call('list_pms')).reply!.value.map((p: { domid: number }) => p.domid), [domid], 'the PM is still there');
  });

  t.test('handlers: read by domid and by name, write then read back', async (t) => {
    t.same((await call('read_handler', { pm: domid, rid: 0, element: 'src', handler: 'class' })).reply, { code: 0, message: 'ok', value: 'FromDevice' });
    t.equal((await call('read_handler', { pm: name, rid: 0, element: 'sink', handler: 'config' })).reply!.value, '0');
    // Counter's reset write handler, seen through its count: ClickOS counts what xenbr0 floods to the vif.
    const w = await call('write_handler', { pm: name, rid: 0, element: 'c', handler: 'reset', value: '1' });
    t.equal(w.reply!.code, 0, w.reply!.message);
    const back = await waitFor('the reset to apply', async () => {
      const r = await call('read_handler', { pm: domid, rid: 0, element: 'c', handler: 'count' });
      return r.reply?.code === 0 && /^\d+$/.test(String(r.reply.value)) ? String(r.reply.value) : undefined;
    });
    t.match(back, /^\d+$/, `count read back after the reset: ${back}`);
    const unknown = await call('read_handler', { pm: `${PREFIX}-nobody`, rid: 0, element: 'src', handler: 'class' });
    t.equal(unknown.reply!.code, 1);
    t.match(unknown.reply!.message, /no processing module/);
    t.equal((await call('read_handler', { pm: 0, rid: 0, element: 'src', handler: 'class' })).fault, -32602, 'dom0 is never a PM');
  });

  t.test('host_stats: host and per-guest CPU and memory', async (t) => {
    const r = await call('host_stats');
    t.equal(r.reply!.code, 0, r.reply!.message);
    const s = r.reply!.value;
    t.ok(s.nrCpus >= 1, `${s.nrCpus} CPUs`);
    t.ok(s.totalMemoryMiB > 0 && s.freeMemoryMiB >= 0 && s.freeMemoryMiB <= s.totalMemoryMiB, `memory ${s.freeMemoryMiB}/${s.totalMemoryMiB} MiB`);
    t.match(s.xenVersion, /^4\.\d+/);
    t.equal(s.pms, 1);
    const mine = s.domains.find((d: { domid: number }) => d.domid === domid);
    t.match(mine, { name, pm: true, vcpus: 1 });
    t.ok(mine.memoryMiB >= HOSTD_GUESTS.memory && mine.memoryMiB <= HOSTD_GUESTS.memory + 4, `the PM has ${mine.memoryMiB} MiB (its ${HOSTD_GUESTS.memory} and Xen's slack)`);
    t.ok(s.domains.some((d: { domid: number; pm: boolean }) => d.domid === 0 && !d.pm), 'dom0 listed, not a PM');
    t.ok(mine.cpuPercent === null || typeof mine.cpuPercent === 'number', `cpuPercent ${mine.cpuPercent} (null without xentop)`);
    t.equal(s.cpuPercent === null, mine.cpuPercent === null, 'host CPU% is there exactly when xentop is');
    const quick = await call('host_stats', { xentop: false });
    t.equal(quick.reply!.value.cpuPercent, null, 'xentop skipped on request');
  });

  t.test('stop_router and start_router', async (t) => {
    t.equal((await call('stop_router', { pm: domid, rid: 0 })).reply!.code, 0);
    t.equal((await call('list_pms')).reply!.value[0].routers[0].status, 'Halted');
    const again = await call('stop_router', { pm: domid, rid: 0 });
    t.equal(again.reply!.code, 1);
    t.match(again.reply!.message, /already Halted/);
    const st = await call('start_router', { pm: name, rid: 0 });
    t.same(st.reply, { code: 0, message: `router 0 of ${name} running`, value: { confirmed: true } });
    t.equal((await call('list_pms')).reply!.value[0].routers[0].status, 'Running');
    t.equal((await call('read_handler', { pm: domid, rid: 0, element: 'src', handler: 'class' })).reply!.value, 'FromDevice', 'handlers answer again');
  });

  t.test('install_router and remove_router', async (t) => {
    const ins = await call('install_router', { pm: domid, config: CONFIG, configName: 'second' });
    t.same(ins.reply, { code: 0, message: `router installed in ${name}`, value: 1 });
    t.same((await call('list_pms')).reply!.value[0].routers.map((r: { rid: number; status: string }) => [r.rid, r.status]), [[0, 'Running'], [1, 'Halted']]);
    t.equal((await call('remove_router', { pm: domid, rid: 1 })).reply!.code, 0);
    const running = await call('remove_router', { pm: domid, rid: 0 });
    t.equal(running.reply!.code, 1, 'a Running router is not removed without force');
    t.match(running.reply!.message, /stop it first, or force/);
    t.same((await call('list_pms')).reply!.value[0].routers.map((r: { rid: number }) => r.rid), [0]);
  });

  t.test('pm_stats: vif counters in the guest view and the Click counter c (processing module daemon)', async (t) => {
    const r = await call('pm_stats', { pm: name });
    t.equal(r.reply!.code, 0, r.reply!.message);
    const [st] = r.reply!.value as Array<{ domid: number; name: string; vifs: Array<{ vif: number; device: string; inPackets: number }>; click: Array<{ rid: number; element: string; class: string; count: number | null }> }>;
    t.same([st!.domid, st!.name], [domid, name]);
    t.same(st!.vifs.map((v) => [v.vif, v.device]), [[0, `vif${domid}.0`]], 'its one vif, as dom0 names it');
    const c = st!.click.find((x) => x.element === 'c');
    t.same(c && [c.rid, c.class, typeof c.count], [0, 'Counter', 'number'], `Counter c read through its handler (${JSON.stringify(c)})`);
    const direct = Number((await call('read_handler', { pm: domid, rid: 0, element: 'c', handler: 'count' })).reply!.value);
    t.ok(direct >= c!.count!, 'read_handler agrees (the count never goes down)');
    const all = await call('pm_stats');
    t.same(all.reply!.value.map((p: { name: string }) => p.name), [name], 'without pm: every PM of this hostd');
    t.equal((await call('pm_stats', { pm: `${PREFIX}-nobody` })).reply!.value.error, 'pm_not_found');
  });

  t.test('replace_config: the new config runs, the old router goes; one ClickOS cannot start leaves the old one running', async (t) => {
    const routers = async () => (await call('list_pms')).reply!.value[0].routers.map((r: { rid: number; status: string; configName?: string }) => [r.rid, r.status, r.configName]);
    const before = await routers();
    t.equal(before.length, 1, `one router before: ${JSON.stringify(before)}`);
    const r1 = await call('replace_config', { pm: name, config: REPLACED, configName: 'replaced' });
    t.equal(r1.reply!.code, 0, r1.reply!.message);
    t.same(r1.reply!.value.replaced, [before[0][0]], 'the old router is the one replaced');
    t.ok(r1.reply!.value.confirmed, 'ClickOS confirmed the new router on its console');
    const rid = r1.reply!.value.rid as number;
    t.equal((await call('read_handler', { pm: name, rid, element: 'd', handler: 'class' })).reply!.value, 'Counter', 'an element only the new config has answers');
    // a handler read after router 0 is gone re-creates <root>/0/elements (docs/clickos.md): still one router
    t.same(await routers(), [[rid, 'Running', 'replaced']], 'only the new router is listed');

    const bad = await call('replace_config', { pm: name, config: BAD_CONFIG, configName: 'bad' });
    t.equal(bad.reply!.code, 1, 'a config ClickOS cannot initialise: code 1');
    t.match(bad.reply!.message, /did not start .*failed to initialise/, bad.reply!.message);
    t.same(await routers(), [[rid, 'Running', 'replaced']], 'the failed router is removed; the old one runs again');
    t.equal((await call('read_handler', { pm: name, rid, element: 'd', handler: 'class' })).reply!.value, 'Counter', 'and answers');

    const r2 = await call('replace_config', { pm: name, config: CONFIG, configName: 'config' });
    t.equal(r2.reply!.code, 0, r2.reply!.message);
    t.same((await routers()).map((x: unknown[]) => x.slice(1)), [['Running', 'config']], 'back to the first config, one router');
    t.equal((await call('read_handler', { pm: name, rid: r2.reply!.value.rid, element: 'c', handler: 'class' })).reply!.value, 'Counter');
  });

  t.test('a config the guest rejects: code 1, no domain left', async (t) => {
    const before = new Set((await xl.list()).map((d) => d.domid));
    const r = await task('create_pm', { name: `${PREFIX}-bad`, config: BAD_CONFIG });
    t.equal(r.reply!.code, 1);
    t.match(r.reply!.message, /create_pm .*-bad failed: .*failed to initialise/);
    t.notOk((await domainNames()).includes(`${PREFIX}-bad`), 'no domain of that name');
    // The guest it used (claimed from the pool or created) is gone, vifs and XenStore home too.
    const now = await xl.list();
    for (const d of now) if (!before.has(d.domid)) t.notOk(d.name === `${PREFIX}-bad`, `new domain ${d.name} is not the failed PM`);
    t.same((await call('list_pms')).reply!.value.map((p: { name: string }) => p.name), [name], 'only the first PM');
  });

  t.test('a config the checker refuses: code 1 with its position, no guest touched', async (t) => {
    const before = (await xl.list()).map((d) => d.domid).sort();
    const r = await task('create_pm', { name: `${PREFIX}-nc`, config: NOT_CLICK });
    t.equal(r.reply!.code, 1);
    t.match(r.reply!.message, /1:1: unknown element class 'not'/);
    t.same((await xl.list()).map((d) => d.domid).sort(), before, 'no domain created or destroyed');
  });

  t.test('restart: the PM is found again and still answers', async (t) => {
    const routers = (await call('list_pms')).reply!.value[0].routers;
    t.equal(await hostd.stop('SIGTERM'), 0, 'SIGTERM: a clean exit');
    t.ok((await xl.list()).some((d) => d.domid === domid), 'the PM outlives hostd');
    url = await hostd.start(configFile);
    t.match(hostd.stderr, new RegExp(`1 processing module\\(s\\) found: ${name}/${domid}`));
    t.same((await call('list_pms')).reply!.value, [{ domid, name, routers }], `its routers as before: ${JSON.stringify(routers)}`);
    t.equal(routers.length, 1);
    t.equal((await call('read_handler', { pm: name, rid: routers[0].rid, element: 'src', handler: 'class' })).reply!.value, 'FromDevice');
  });

  t.test('hostd killed mid-create: the restarted hostd leaves no orphan', async (t) => {
    const victim = `${PREFIX}-killed`;
    // A memory size other than the pool's template: a cold `xl create` and a full boot,
    // so the create is surely still under way when the domain first shows.
    const memory = HOSTD_GUESTS.memory + 8;
    let settled: unknown;
    const pending = task('create_pm', { name: victim, memory, config: CONFIG }).then((r) => (settled = r), (e: unknown) => (settled = e));
    // Kill once the domain exists: the create is under way, nothing is finished.
    await waitFor('the victim domain to exist', async () => {
      if (settled !== undefined) throw new Error(`create_pm settled before its domain showed: ${JSON.stringify(settled)}`);
      return (await domainNames()).includes(victim) ? true : undefined;
    }, 600_000);
    await hostd.stop('SIGKILL');
    await pending; // the client sees the connection go; whatever it says does not matter
    url = await hostd.start(configFile);
    t.ok(await waitFor('the victim to be destroyed', async () => (!(await domainNames()).includes(victim) ? true : undefined), 120_000), 'destroyed by the restarted hostd');
    t.match(hostd.stderr, new RegExp(`destroyed ${victim} \\(domain \\d+\\): its create_pm never finished`));
    t.notOk(xsExists(`${PENDING}/${victim}`), 'its pending entry is gone');
    t.same((await call('list_pms')).reply!.value.map((p: { name: string }) => p.name), [name], 'the other PM is untouched');
  });

  t.test('delete_pm: nothing left', async (t) => {
    const r = await task('delete_pm', { pm: name });
    t.same(r.reply, { code: 0, message: `${name} destroyed`, value: { domid, name } });
    t.ok(await waitFor('the PM to be gone', async () => ((await gone(domid)) ? true : undefined)), 'no domain, vif or XenStore home');
    t.same((await call('list_pms')).reply!.value, []);
    const again = await task('delete_pm', { pm: domid });
    t.equal(again.reply!.code, 1, 'a second delete fails');
    t.match(again.reply!.message, /no processing module/);
  });

  t.test('the audit log has the state-changing calls', async (t) => {
    const lines = (await readFile(auditLog, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { method?: string });
    for (const m of ['create_pm', 'delete_pm', 'write_handler', 'stop_router', 'start_router', 'replace_config']) t.ok(lines.some((l) => l.method === m), `${m} audited`);
    t.notOk(lines.some((l) => l.method === 'list_pms' || l.method === 'read_handler' || l.method === 'host_stats'), 'queries are not');
  });

  t.test('after SIGTERM and teardown nothing of the test remains', async (t) => {
    await hostd.stop('SIGTERM');
    for (const d of await xl.list()) if (d.name.startsWith(PREFIX)) await xl.destroy(d.domid).catch(() => {});
    t.same((await domainNames()).filter((n) => n.startsWith(PREFIX)), [], `no domain named ${PREFIX}*`);
  });
});
