// A private Open vSwitch for tests and benchmarks: ovsdb-server and ovs-vswitchd started
// in their own run directory (no system service involved) and their own network
// namespace (the userspace datapath's tap device is always called "ovs-netdev", so two
// switches cannot share one namespace: tests run in parallel), one userspace bridge
// (datapath_type=netdev, fail-mode secure so nothing forwards without our flows), and
// network namespaces with veth pairs into it. Everything is torn down by stop(), which
// is safe to call after a partial start. A run killed before stop() leaves its namespaces
// behind; the next run with the same tag finds them through the owner file and removes them.
import { execa } from 'execa';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivateOvs {
  dir: string;
  bridge: string;
  /** ovs-ofctl target of the bridge */
  target: string;
  env: Record<string, string>;
  /** the switch's namespace; its ports' outer veth ends live there */
  swNs: string;
  /** with controllerLink: our address the switch reaches the controller at */
  controllerHost?: string;
  vsctl(...args: string[]): Promise<string>;
  /** adds a veth pair: `outer` into the bridge, `inner` moved into namespace `ns` (created if needed); returns the OpenFlow port number */
  addVethPort(outer: string, inner: string, ns: string): Promise<number>;
  portNumber(name: string): Promise<number>;
  startVswitchd(): Promise<void>;
  stopVswitchd(): Promise<void>;
  stop(): Promise<void>;
  namespaces: string[];
}

async function killPidfile(path: string): Promise<void> {
  const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
  if (!pid) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** The OpenFlow port number of an interface, once ovs-vswitchd has given it one. */
export async function ofport(vsctl: (...args: string[]) => Promise<string>, name: string): Promise<number> {
  for (let i = 0; i < 600; i++) {
    const n = Number((await vsctl('get', 'Interface', name, 'ofport')).trim());
    if (n > 0) return n;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${name} got no OpenFlow port number`);
}

export async function ns(name: string, ...argv: string[]) {
  return execa('ip', ['netns', 'exec', name, ...argv]);
}

/** `target`'s flows as ovs-ofctl dumps them (OpenFlow 1.3, port numbers), one line each; `filter` in its syntax, e.g. cookie=5/-1. */
export async function flowLines(target: string, ...filter: string[]): Promise<string[]> {
  return (await execa('ovs-ofctl', ['-O', 'OpenFlow13', '--no-names', 'dump-flows', target, ...filter])).stdout.split('\n').filter((l) => l.includes('cookie='));
}

let links = 0;

/** Where each tag's switch records its owner pid, run directory and namespaces. */
const OWNERS = '/run/clickos-test-ovs';
const ownerFile = (tag: string): string => join(OWNERS, `${tag}.json`);
interface Owner {
  pid: number;
  dir: string;
  namespaces: string[];
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * The leftovers of an earlier run with this tag whose process is gone: its switch daemons,
 * namespaces and run directory are removed. A tag in use by a live process is refused.
 */
async function reclaim(tag: string, swNs: string): Promise<void> {
  const prev = JSON.parse(await readFile(ownerFile(tag), 'utf8').catch(() => 'null')) as Owner | null;
  if (prev && alive(prev.pid)) throw new Error(`test switch "${tag}" is in use by process ${prev.pid}`);
  const stale = [...(prev?.namespaces ?? []), swNs];
  for (const n of stale) {
    const pids = (await execa('ip', ['netns', 'pids', n], { reject: false })).stdout.split('\n').filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await execa('ip', ['netns', 'del', n], { reject: false });
  }
  if (prev?.dir) await rm(prev.dir, { recursive: true, force: true });
}

async function recordOwner(tag: string, o: Owner): Promise<void> {
  await mkdir(OWNERS, { recursive: true });
  await writeFile(ownerFile(tag), JSON.stringify(o));
}

export async function startOvs(tag: string, opts: { controllerLink?: boolean } = {}): Promise<PrivateOvs> {
  const swNs = `fl-${tag}-sw`;
  await reclaim(tag, swNs);
  const dir = await mkdtemp(join(tmpdir(), `ovs-${tag}-`));
  const env = { OVS_RUNDIR: dir, OVS_DBDIR: dir, OVS_LOGDIR: dir, OVS_SYSCONFDIR: dir, OVS_PKGDATADIR: '/usr/share/openvswitch' };
  const db = `unix:${join(dir, 'db.sock')}`;
  const bridge = `b${tag}`.slice(0, 15);
  const namespaces: string[] = [];
  let linkName: string | undefined;
  const vsctl = async (...args: string[]) => (await execa('ovs-vsctl', [`--db=${db}`, '--timeout=20', ...args], { env })).stdout;
  const startVswitchd = async () => {
    await execa('ip', ['netns', 'exec', swNs, 'ovs-vswitchd', db, '--pidfile', '--detach', `--log-file=${join(dir, 'ovs-vswitchd.log')}`, '-vconsole:off'], { env });
  };
  const o: PrivateOvs = {
    dir,
    bridge,
    target: `unix:${join(dir, `${bridge}.mgmt`)}`,
    env,
    swNs,
    vsctl,
    namespaces,
    startVswitchd,
    stopVswitchd: () => killPidfile(join(dir, 'ovs-vswitchd.pid')),
    portNumber: (name) => ofport(vsctl, name),
    async addVethPort(outer, inner, nsName) {
      if (!namespaces.includes(nsName)) {
        await execa('ip', ['netns', 'add', nsName]);
        namespaces.push(nsName);
        await recordOwner(tag, { pid: process.pid, dir, namespaces });
        await ns(nsName, 'ip', 'link', 'set', 'lo', 'up');
        await ns(nsName, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1');
      }
      // the peer is created inside the namespace: its name may repeat across namespaces
      await ns(swNs, 'ip', 'link', 'add', outer, 'type', 'veth', 'peer', 'name', inner, 'netns', nsName);
      await ns(nsName, 'ip', 'link', 'set', inner, 'up');
      await ns(swNs, 'ip', 'link', 'set', outer, 'up');
      await vsctl('add-port', bridge, outer);
      return o.portNumber(outer);
    },
    async stop() {
      await killPidfile(join(dir, 'ovs-vswitchd.pid'));
      await killPidfile(join(dir, 'ovsdb-server.pid'));
      // deleting a namespace deletes its veths (and the datapath's tap devices) with it
      for (const n of [...namespaces, swNs]) await execa('ip', ['netns', 'del', n], { reject: false });
      if (linkName) await execa('ip', ['link', 'del', linkName], { reject: false });
      await rm(dir, { recursive: true, force: true });
      await rm(ownerFile(tag), { force: true });
    },
  };
  try {
    await recordOwner(tag, { pid: process.pid, dir, namespaces });
    await execa('ip', ['netns', 'add', swNs]);
    await ns(swNs, 'ip', 'link', 'set', 'lo', 'up');
    await ns(swNs, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1');
    if (opts.controllerLink) {
      // a /30 of 10.248.0.0/14 per switch, so parallel tests' links never share a subnet
      const i = ((process.pid % 16384) * 16 + (links++ % 16)) % 65536;
      const base = (10 << 24) | (248 << 16) | (i << 2);
      const ip = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
      linkName = `${tag}c`.slice(0, 15);
      await execa('ip', ['link', 'add', linkName, 'type', 'veth', 'peer', 'name', 'ctl0', 'netns', swNs]);
      await execa('ip', ['addr', 'add', `${ip(base + 1)}/30`, 'dev', linkName]);
      await execa('ip', ['link', 'set', linkName, 'up']);
      await ns(swNs, 'ip', 'addr', 'add', `${ip(base + 2)}/30`, 'dev', 'ctl0');
      await ns(swNs, 'ip', 'link', 'set', 'ctl0', 'up');
      o.controllerHost = ip(base + 1);
    }
    await execa('ovsdb-tool', ['create', join(dir, 'conf.db'), '/usr/share/openvswitch/vswitch.ovsschema'], { env });
    await execa('ovsdb-server', [join(dir, 'conf.db'), `--remote=p${db}`, '--pidfile', '--detach', `--log-file=${join(dir, 'ovsdb-server.log')}`, '-vconsole:off'], { env });
    await vsctl('--no-wait', 'init');
    await startVswitchd();
    await vsctl('add-br', bridge, '--', 'set', 'bridge', bridge, 'datapath_type=netdev', 'fail-mode=secure');
  } catch (e) {
    await o.stop();
    throw e;
  }
  return o;
}
