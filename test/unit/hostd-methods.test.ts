// hostd's methods over HTTP on loopback, called by Python's xmlrpc.client: every
// method's bad arguments and unauthenticated calls are refused with a fault before
// the method runs. There is no Xen on this host, and nothing is faked: the services
// hostd would use are a guard that records any access, and the test asserts that
// no refused call reached them. (What the methods do on Xen: test/lab/hostd.test.ts.)
import t from 'tap';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FaultCode, methodNames } from '../../daemon/index.js';
import { parseConfig } from '../../hostd/config.js';
import { hostdApi } from '../../hostd/api.js';
import { createHostdDaemon } from '../../hostd/daemon.js';
import type { HostdServices } from '../../hostd/services.js';
import { runPython } from '../support/python.js';

const SECRET = 'hostd-test-secret-0123456789';
const script = fileURLToPath(new URL('../fixtures/hostd/python_refusals.py', import.meta.url));

interface Refusals {
  cases: Record<string, { fault?: number; message?: string; ok?: unknown }>;
  listMethods: string[];
  help: Record<string, string>;
}

/** Services that must never be touched by a refused call: any access is recorded and throws. */
function guard(touched: string[]): HostdServices {
  return new Proxy({} as HostdServices, {
    get(_t, k) {
      touched.push(String(k));
      throw new Error(`hostd service ${String(k)} used in a refusal test`);
    },
  });
}

t.test('every method refuses bad arguments and unauthenticated callers', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hostd-methods-'));
  const auditLog = join(dir, 'audit.jsonl');
  const config = await parseConfig({ secret: SECRET, listen: { port: 0 }, auditLog, folders: { patches: join(dir, 'patches') }, guests: { kernel: '/nonexistent/clickos' } }, join(dir, 'hostd.json'));
  const touched: string[] = [];
  const daemon = createHostdDaemon(config, guard(touched), { log: () => {} });
  const { url } = await daemon.start();
  t.teardown(async () => {
    await daemon.close();
    await rm(dir, { recursive: true, force: true });
  });

  const out = await runPython<Refusals>(script, [url, SECRET], 120_000);
  const methods = methodNames(hostdApi);
  for (const m of methods) t.ok(out.listMethods.includes(m), `listMethods has ${m}`);
  t.ok(out.listMethods.includes('upgrade'), 'and the built-ins');
  t.match(out.help.create_pm, /^task: Creates a ClickOS guest.*\nparams: .*name: string .*vifs: array of \{bridge: string/s, 'methodHelp shows the schema');
  t.match(out.help.create_pm, /default high/, 'create_pm runs at high priority unless told otherwise');
  t.match(out.help.list_pms, /^command:/);

  const unauth = Object.keys(out.cases).filter((k) => /\/(no|wrong)-secret$/.test(k));
  t.equal(unauth.length, methods.length * 2, 'each method, without and with a wrong secret');
  for (const k of unauth) t.equal(out.cases[k]!.fault, FaultCode.UNAUTHENTICATED, `${k}: unauthenticated fault`);

  const expectedFault: Record<string, number> = { 'upgrade/not-allowed': FaultCode.FORBIDDEN };
  const bad = Object.keys(out.cases).filter((k) => !unauth.includes(k));
  t.ok(bad.length >= 55, `${bad.length} bad-argument cases`);
  for (const k of bad) {
    const c = out.cases[k]!;
    t.equal(c.fault, expectedFault[k] ?? FaultCode.INVALID_PARAMS, `${k}: ${c.message ?? JSON.stringify(c.ok)}`);
  }
  // A few messages, to be sure the right member was blamed.
  t.match(out.cases['create_pm/mac-multicast']!.message, /param 1\.vifs\[0\]\.mac: does not match/);
  t.match(out.cases['create_pm/name-dotdot']!.message, /param 1\.name: does not match/);
  t.match(out.cases['create_pm/config-huge']!.message, /param 1\.config: longer than 262144/);
  t.match(out.cases['create_pm/vif-extra-member']!.message, /unexpected member "script"/);
  t.match(out.cases['delete_pm/dom0']!.message, /param 1\.pm: expected int \[1\.\.32751\]/);
  t.match(out.cases['start_router/rid-64']!.message, /param 1\.rid: must be <= 63/);

  t.same(touched, [], 'no refused call reached the services (no xl, no XenStore)');

  const audit = (await readFile(auditLog, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  t.ok(audit.some((e) => e.method === 'create_pm'), 'refused state-changing calls are audited');
  t.notOk(audit.some((e) => e.method === 'list_pms' && e.who !== undefined && e.code === 0), 'queries are not');
});
