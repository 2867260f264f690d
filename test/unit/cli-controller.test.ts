// The clickos CLI's controller verbs (cli/controller-verbs.ts), run as the compiled
// dist/cli/main.js (as `clickos stats` is in flows-monitord.test.ts) against a real
// in-process resourced with one STAND-IN module host (test/support/resourced-standin.ts:
// a real daemon with an in-memory create_pm, since real hostd needs Xen).
import t from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { XmlRpcClient, callApi } from '../../daemon/index.js';
import { resourcedApi } from '../../controller/resourced/api.js';
import { projectRoot } from '../../lab/paths.js';
import { formatAllocations, formatReconcile } from '../../cli/controller-verbs.js';
import { CHAIN, COUNTING_SRC, USER_SECRET, startResourced, startStandins, waitFor } from '../support/resourced.js';

const cli = join(projectRoot, 'dist', 'cli', 'main.js');

t.test('clickos allocations, hosts, allocation-install, allocation-delete, reconcile against resourced', async (t) => {
  const { url, rd } = await startResourced(t);
  await startStandins(t, url, [{ hostId: 'mh-a' }]);
  await waitFor('the stand-in to heartbeat', () => (rd.hosts.live().some((h) => h.heartbeats > 0) ? true : undefined));
  const dir = await mkdtemp(join(tmpdir(), 'cli-controller-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const api = new XmlRpcClient({ url, secret: USER_SECRET });
  t.teardown(() => api.close());
  /** The CLI with the controller's URL and secret in the environment (`env` overrides them). */
  const clickos = (args: string[], env: Record<string, string> = {}) =>
    execa('node', [cli, ...args], { env: { CLICKOS_CONTROLLER: url, CLICKOS_SECRET: USER_SECRET, ...env }, reject: false });
  const pmInfo = async () => {
    const rv = await callApi(api, resourcedApi, 'get_pm_info');
    if (rv.code !== 0) throw new Error(rv.message);
    return rv.value;
  };

  // module-deploy: deploy_pm with the Click source from a file; a bad one is refused, nothing deployed
  await writeFile(join(dir, 'counting.click'), COUNTING_SRC);
  const dep = await clickos(['module-deploy', '--cpu', '0.25', 'Counting', join(dir, 'counting.click')]);
  t.equal(dep.exitCode, 0, dep.stderr);
  t.match((await pmInfo()).types.find((x) => x.name === 'Counting'), { cpu: 0.25, src: COUNTING_SRC }, 'the type is deployed with its cores and source');
  await writeFile(join(dir, 'bad.click'), 'a :: NoSuchElement;\n');
  const badDep = await clickos(['module-deploy', 'Bad', join(dir, 'bad.click')]);
  t.equal(badDep.exitCode, 1, 'a source the checker refuses: exit 1');
  t.match(badDep.stderr, /^clickos: pm_src of Bad refused by the checker:\s+pm\/Bad:1:1: unknown element class 'NoSuchElement'/, `resourced's reason: ${badDep.stderr.trim()}`);
  t.notOk((await pmInfo()).types.some((x) => x.name === 'Bad'), 'nothing deployed');
  for (const args of [['module-deploy', 'Only'], ['module-deploy', '--cpu', 'x', 'A', 'f'], ['module-deploy', '--memory', '1.5', 'A', 'f']]) {
    const r = await clickos(args);
    t.equal(r.exitCode, 2, `${args.join(' ')}: bad usage, exit 2 (${r.stderr.split('\n')[0]})`);
  }

  // allocation-install: waits for the task, prints the id (resourced's message on stderr)
  await writeFile(join(dir, 'chain.alloc'), CHAIN);
  const inst = await clickos(['allocation-install', join(dir, 'chain.alloc')]);
  t.equal(inst.exitCode, 0, inst.stderr);
  t.equal(inst.stdout, '1', 'stdout is the allocation id alone');
  t.match(inst.stderr, /^allocation 1 installed: c1 on mh-a, c2 on mh-a/);
  const [alloc] = (await pmInfo()).allocations;
  t.match(alloc, { id: 1, state: 'installed' }, 'resourced holds what the CLI reported');
  const domid = (m: string): number => alloc!.pms.find((p) => p.module === m)!.domid!;

  // allocations: a table, then each PM module → host, domid, name
  const list = await clickos(['allocations']);
  t.equal(list.exitCode, 0, list.stderr);
  const lines = list.stdout.split('\n');
  t.match(lines[0], /^ID\s+State\s+Created\s+Note$/);
  t.match(lines[1], new RegExp(`^1\\s+installed\\s+${alloc!.createdAt.replace(/\./g, '\\.')}$`));
  t.match(lines[2], new RegExp(`^\\s+c1 \\(Counting\\)\\s+→\\s+mh-a\\s+domid ${domid('c1')}\\s+rd-1-1-c1$`));
  t.match(lines[3], new RegExp(`^\\s+c2 \\(Counting\\)\\s+→\\s+mh-a\\s+domid ${domid('c2')}\\s+rd-1-2-c2$`));
  t.equal(lines.length, 4);
  const listJson = await clickos(['allocations', '--json']);
  t.equal(listJson.exitCode, 0, listJson.stderr);
  t.same(JSON.parse(listJson.stdout), (await pmInfo()).allocations, '--json: get_pm_info\'s allocations');

  // hosts: once the stand-in's heartbeat reports the two PMs' memory (1024 − 256 reserved − 2 × 64)
  await waitFor('the heartbeat to count the PMs', () => (rd.hosts.get('mh-a')?.stats.freeMemoryMiB === 640 ? true : undefined));
  const standinUrl = rd.hosts.get('mh-a')!.url;
  const hosts = await clickos(['hosts']);
  t.equal(hosts.exitCode, 0, hosts.stderr);
  const hl = hosts.stdout.split('\n');
  t.match(hl[0], /^Host\s+URL\s+Cores\s+CPU\s+Usable\s+Free\/Total MiB\s+Last seen\s+PMs$/);
  t.match(hl[1], new RegExp(`^mh-a\\s+${standinUrl.replace(/[./]/g, '\\$&')}\\s+4\\s+-\\s+4\\s+640/1024\\s+\\d+\\.\\d s ago\\s+rd-1-1-c1, rd-1-2-c2$`));
  t.equal(hl.length, 2);
  const hostsJson = await clickos(['--json', 'hosts']);
  t.equal(hostsJson.exitCode, 0, hostsJson.stderr);
  t.match(JSON.parse(hostsJson.stdout), [{ host_id: 'mh-a', url: standinUrl, cores: 4, total_memory_mib: 1024, free_memory_mib: 640, pms: ['rd-1-1-c1', 'rd-1-2-c2'] }]);

  // reconcile --dry-run: the installed allocation is found on its host, so adopted; nothing acted on
  const dry = await clickos(['reconcile', '--dry-run']);
  t.equal(dry.exitCode, 0, dry.stderr);
  const dl = dry.stdout.split('\n');
  t.match(dl[0], /^Action\s+Allocation\s+PM\s+Host\s+Reason\s+Outcome$/);
  t.match(dl[1], /^adopt\s+1\s+-\s+-\s+recorded and found\s+would do$/);
  t.equal(dl.length, 2, 'one line per action');
  const dryJson = await clickos(['reconcile', '--dry-run', '--json']);
  t.equal(dryJson.exitCode, 0, dryJson.stderr);
  t.match(JSON.parse(dryJson.stdout), { dryRun: true, actions: [{ kind: 'adopt', allocation: 1, reason: 'recorded and found', done: false }] });
  t.equal(JSON.parse(dryJson.stdout).actions.length, 1);

  // a malformed request: resourced's allocation:line:col message, exit 1, nothing installed
  await writeFile(join(dir, 'bad.alloc'), 'BASESYS=xen.clickos\nin :: FromNet("ip")\nout :: ToNet("t")\nc :: Countng()\nin -> c -> out\n');
  const bad = await clickos(['allocation-install', join(dir, 'bad.alloc')]);
  t.equal(bad.exitCode, 1);
  t.match(bad.stderr, /^clickos: allocation:4:1: unknown processing module type 'Countng' \(did you mean 'Counting'\?\)/);
  t.equal(bad.stdout, '');
  t.equal((await pmInfo()).allocations.length, 1, 'no allocation added');
  const missing = await clickos(['allocation-install', join(dir, 'no-such.alloc')]);
  t.equal(missing.exitCode, 1);
  t.match(missing.stderr, /^clickos: cannot read the request: .*ENOENT/);

  // module-scale: the chain has no module with replicas (resourced-replicas.test.ts scales one on a real switch)
  const scale = await clickos(['module-scale', '1', 'c1', '2']);
  t.equal(scale.exitCode, 1);
  t.equal(scale.stderr, "clickos: scale_module: allocation 1 has no module 'c1' with replicas (a request asks for them as 'c1 :: Type() x N'); nothing changed");

  // allocation-delete, with the URL given as --controller this time
  const del = await clickos(['allocation-delete', '--controller', url, '1'], { CLICKOS_CONTROLLER: '' });
  t.equal(del.exitCode, 0, del.stderr);
  t.equal(del.stdout, 'allocation 1 deleted (2 PM(s))');
  t.same((await pmInfo()).allocations, [], 'resourced no longer has it');
  const empty = await clickos(['allocations']);
  t.equal(empty.stdout, 'no allocations');
  t.same(JSON.parse((await clickos(['allocations', '--json'])).stdout), []);
  const again = await clickos(['allocation-delete', '1']);
  t.equal(again.exitCode, 1);
  t.equal(again.stderr, 'clickos: no allocation 1');
  const none = await clickos(['reconcile']);
  t.equal(none.exitCode, 0, none.stderr);
  t.equal(none.stdout, 'nothing done: records, hosts and switch agree');

  // bad usage: exit 2 with the usage text
  const noUrl = await clickos(['allocations'], { CLICKOS_CONTROLLER: '' });
  t.equal(noUrl.exitCode, 2, 'no controller URL: bad usage');
  t.match(noUrl.stderr, /^clickos: give the controller's URL with --controller URL or \$CLICKOS_CONTROLLER\n\nusage: clickos /);
  t.match(noUrl.stderr, /allocation-install <request-file>/);
  const noSecret = await clickos(['hosts'], { CLICKOS_SECRET: '' });
  t.equal(noSecret.exitCode, 2, 'no secret: bad usage');
  for (const args of [['allocation-delete'], ['allocation-delete', 'one'], ['allocation-install'], ['hosts', 'extra'], ['reconcile', '--dry'], ['module-scale', '1', 'n'], ['module-scale', '1', 'n', '0']]) {
    const r = await clickos(args);
    t.equal(r.exitCode, 2, `clickos ${args.join(' ')}: bad usage`);
    t.match(r.stderr, /^clickos: .*\n\nusage: clickos /);
  }
  const wrong = await clickos(['hosts'], { CLICKOS_SECRET: 'wrong-secret-0123456789abcdef' });
  t.equal(wrong.exitCode, 1, 'a wrong secret: a failure');
  t.match(wrong.stderr, new RegExp(`^clickos: resourced at ${url.replace(/[./]/g, '\\$&')}: `));
});

t.test('the tables: a degraded note, an install under way, a reconcile that failed', async (t) => {
  const at = '2025-01-01T00:00:00.000Z';
  const text = formatAllocations([
    {
      id: 3, state: 'installed', degraded: "PM rd-3-2-c2 is not on host mh-b", request: CHAIN, createdAt: at, planned: { c1: 'mh-a', c2: 'mh-b' },
      pms: [{ module: 'c1', type: 'Counting', host: 'mh-a', domid: 7, name: 'rd-3-1-c1', status: 'created' }, { module: 'c2', type: 'Counting', host: 'mh-b', domid: 8, name: 'rd-3-2-c2', status: 'created' }],
    },
    {
      id: 12, state: 'installing', request: CHAIN, createdAt: at, planned: { c1: 'mh-a', c2: 'mh-a' },
      pms: [{ module: 'c1', type: 'Counting', host: 'mh-a', domid: null, name: 'rd-12-1-c1', status: 'creating' }],
    },
  ]);
  t.equal(text, [
    'ID  State       Created                   Note',
    '3   installed   2025-01-01T00:00:00.000Z  degraded: PM rd-3-2-c2 is not on host mh-b',
    '    c1 (Counting)  →  mh-a  domid 7  rd-3-1-c1',
    '    c2 (Counting)  →  mh-b  domid 8  rd-3-2-c2',
    '12  installing  2025-01-01T00:00:00.000Z',
    '    c1 (Counting)  →  mh-a  domid -  rd-12-1-c1  creating',
    '    c2             →  mh-a                       planned',
  ].join('\n'));
  t.equal(formatAllocations([]), 'no allocations');
  t.equal(
    formatReconcile([
      { kind: 'delete_orphan_pm', allocation: 9, host: 'mh-a', pm: 'rd-9-1-c1', reason: 'no record owns it', done: false, error: 'delete_pm: unreachable' },
      { kind: 'finish_delete', allocation: 4, reason: 'interrupted delete', done: true },
    ], false),
    [
      'Action            Allocation  PM         Host  Reason              Outcome',
      'delete_orphan_pm  9           rd-9-1-c1  mh-a  no record owns it   error: delete_pm: unreachable',
      'finish_delete     4           -          -     interrupted delete  done',
    ].join('\n'),
  );
  t.equal(formatReconcile([], true), 'nothing to do');
});

t.test('clickos pm-create, pm-delete, connections-create: the low-level API', async (t) => {
  const { url, rd } = await startResourced(t);
  await startStandins(t, url, [{ hostId: 'mh-a' }]);
  await waitFor('the stand-in to heartbeat', () => (rd.hosts.live().some((h) => h.heartbeats > 0) ? true : undefined));
  const dir = await mkdtemp(join(tmpdir(), 'cli-lowlevel-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const api = new XmlRpcClient({ url, secret: USER_SECRET });
  t.teardown(() => api.close());
  t.equal((await callApi(api, resourcedApi, 'deploy_pm', { name: 'Counting', src: COUNTING_SRC })).code, 0);
  const clickos = (args: string[]) => execa('node', [cli, ...args], { env: { CLICKOS_CONTROLLER: url, CLICKOS_SECRET: USER_SECRET }, reject: false });

  const made = await clickos(['pm-create', '--name', 'c9', '--vifs', '2', 'Counting']);
  t.equal(made.exitCode, 0, made.stderr);
  t.equal(made.stdout, 'c9', 'stdout is the PM\'s name');
  t.match(made.stderr, /^PM c9 created: rd-1-1-c9 on mh-a/);
  const json = await clickos(['pm-create', '--json', 'Counting']);
  t.match(JSON.parse(json.stdout), { name: 'pm2', id: 2, type: 'Counting', host: 'mh-a', guest: 'rd-2-1-pm2', vifs: 1 });
  const list = await clickos(['allocations']);
  t.match(list.stdout.split('\n')[1], /^1\s+installed\s+\S+\s+create_pm$/, 'allocations marks the low-level records');

  await writeFile(join(dir, 'c.alloc'), 'BASESYS=xen.clickos\nin :: FromNet("ip")\nout :: ToNet("t")\nin -> c9 :: Counting() -> out\n');
  const conn = await clickos(['connections-create', 'br0', '0', join(dir, 'c.alloc')]);
  t.equal(conn.exitCode, 1);
  t.match(conn.stderr, /create_connections: resourced steers no switch/, 'no switch configured: refused');
  t.equal((await clickos(['connections-create', 'br0', 'x', join(dir, 'c.alloc')])).exitCode, 2, 'a table that is no number: bad usage');

  for (const name of ['c9', 'pm2']) {
    const d = await clickos(['pm-delete', name]);
    t.equal(d.exitCode, 0, d.stderr);
  }
  const gone = await clickos(['pm-delete', 'c9']);
  t.equal(gone.exitCode, 1);
  t.match(gone.stderr, /no PM named 'c9'/);
  t.same(rd.allocations.list(), [], 'no record left');
});
