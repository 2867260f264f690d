// hostd as a controller reaches it: hostd runs in the lab's dom0 listening on the
// service port, and this test runs on the HOST, calling it with Python's
// xmlrpc.client through QEMU's port forward (127.0.0.1:<servicePort> → dom0:7001).
// It creates a ClickOS-protocol guest, reads a handler, gets stats and deletes it.
// Needs a running lab (test/run.ts runs this file while the lab is up).
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec, readState } from '../../lab/lab.js';
import { SERVICE_PORT_IN_DOM0 } from '../../lab/qemu.js';
import { projectRoot } from '../../lab/paths.js';
import { HOSTD_GUESTS } from '../lab/helpers.js';
import { runPython } from '../support/python.js';

t.setTimeout(30 * 60_000);
const PREFIX = `hr-${process.pid}`;
const SECRET = randomBytes(24).toString('hex');
// Visible in dom0 at the same path: dom0's root overlays the host's (only /run is private).
const dir = mkdtempSync('/tmp/hostd-remote-');

const CLIENT = String.raw`
import json, sys, time
from xmlrpc_proxy import proxy
url, secret, method, arg = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
p = proxy(url, secret)
params = () if arg is None else (arg,)
rv = getattr(p, method)(*params)
if isinstance(rv, dict) and rv.get("code") == -1 and method in ("create_pm", "delete_pm"):
    tid = rv["value"]  # a task: its id, then poll until it ends
    while rv.get("code") == -1:
        time.sleep(0.5)
        rv = p.task.status(tid)
print(json.dumps(rv))
`;
const clientFile = join(dir, 'client.py');
writeFileSync(clientFile, CLIENT);

function call(url: string, method: string, arg?: unknown): Promise<any> {
  return runPython(clientFile, [url, SECRET, method, JSON.stringify(arg ?? null)], 20 * 60_000, method);
}

const inDom0 = async (...argv: string[]): Promise<string> => {
  const r = await exec(argv, { timeoutMs: 300_000 });
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} in dom0: exit ${r.exitCode}: ${r.stderr}`);
  return r.stdout;
};

t.test('hostd in dom0, called from the host through the port forward', async (t) => {
  const state = readState();
  if (!state?.servicePort) throw new Error('no lab with a service port is running (start it with clickos-lab up)');
  const url = `http://127.0.0.1:${state.servicePort}/RPC2`;
  const config = join(dir, 'hostd.json');
  writeFileSync(
    config,
    JSON.stringify({
      name: `hostd-${PREFIX}`,
      // All of dom0's interfaces: QEMU's user network delivers forwarded connections to 10.0.2.15.
      listen: { host: '0.0.0.0', port: SERVICE_PORT_IN_DOM0 },
      secret: SECRET,
      auditLog: join(dir, 'audit.jsonl'),
      folders: { patches: join(dir, 'patches') },
      guests: HOSTD_GUESTS,
    }),
  );
  const log = join(dir, 'hostd.log');
  const pid = (await inDom0('sh', '-c', `setsid node ${join(projectRoot, 'dist', 'hostd', 'main.js')} --config ${config} >${log} 2>&1 </dev/null & echo $!`)).trim();
  t.teardown(async () => {
    await inDom0('sh', '-c', `kill ${pid} 2>/dev/null; for d in $(xl list | awk '/^${PREFIX}/{print $2}'); do xl destroy $d; done; true`).catch(() => {});
  });

  let methods: string[] | undefined;
  for (let i = 0; i < 120 && !methods; i++) {
    methods = await call(url, 'system.listMethods').catch(async () => {
      await new Promise((r) => setTimeout(r, 1000));
      return undefined;
    });
  }
  t.ok(methods?.includes('create_pm'), 'hostd answers through the forward');

  const name = `${PREFIX}-fw`;
  const config0 = 'src :: FromDevice(0);\nc :: Counter();\nsink :: ToDevice(0);\nsrc -> c -> sink;\n';
  const created = await call(url, 'create_pm', { name, config: config0, configName: 'fw' });
  t.equal(created.code, 0, `create_pm: ${created.message}`);
  const domid = created.value.domid as number;
  t.match(await inDom0('xl', 'list'), new RegExp(`^${name}\\s+${domid}\\s`, 'm'), 'xl in dom0 lists the guest');

  const pms = await call(url, 'list_pms');
  t.same(pms.value.find((p: { name: string }) => p.name === name)?.routers, [{ rid: 0, status: 'Running', configName: 'fw' }]);
  t.equal((await call(url, 'read_handler', { pm: name, rid: 0, element: 'src', handler: 'class' })).value, 'FromDevice', 'a handler read from the host');
  const stats = await call(url, 'host_stats', { xentop: false });
  t.equal(stats.code, 0);
  t.ok(stats.value.domains.some((d: { domid: number; pm: boolean }) => d.domid === domid && d.pm), 'the guest in host_stats');

  const deleted = await call(url, 'delete_pm', { pm: name });
  t.equal(deleted.code, 0, `delete_pm: ${deleted.message}`);
  t.notMatch(await inDom0('xl', 'list'), new RegExp(`^${name}\\s`, 'm'), 'gone from xl list');
  t.equal((await inDom0('sh', '-c', `xenstore-exists /local/domain/${domid} && echo yes || echo no`)).trim(), 'no', 'no XenStore home left');
});
