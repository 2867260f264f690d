// What the controller lab tests share, written once here: the config files of resourced
// and of one hostd as they run them in dom0 (their own processes, as systemd would), the
// pair's secrets, the outside world's net and sink on dom0's switch, waiting for hostd
// to be live, and the teardown.
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { XmlRpcClient } from '../../daemon/index.js';
import { Xl } from '../../toolstack/index.js';
import type { DaemonProcess } from '../support/daemon-process.js';
import { NET_IP, SINK_IP, fwdChainRequest, startEchoPair, type EchoPair } from '../support/flows-chain.js';
import type { Dom0Ovs } from './dom0-ovs.js';
import { CLICKOS, HOSTD_GUESTS, call, waitFor } from './helpers.js';

export interface PairSecrets {
  /** what resourced presents to hostd */
  hostd: string;
  /** what hostd presents to resourced (principal "hosts") */
  hosts: string;
  /** the user's (principal "user") */
  user: string;
}

/** Fresh random secrets for one test's pair. */
export function pairSecrets(): PairSecrets {
  return { hostd: randomBytes(24).toString('hex'), hosts: randomBytes(24).toString('hex'), user: randomBytes(24).toString('hex') };
}

/** resourced.json in `dir`: loopback, one known host, guests of the lab's size; `extra` adds or replaces keys. */
export async function writeResourcedConfig(dir: string, o: { prefix: string; hostId: string; secrets: PairSecrets; bridge: string; extra?: Record<string, unknown> }): Promise<string> {
  const file = join(dir, 'resourced.json');
  await writeFile(file, JSON.stringify({
    listen: { host: '127.0.0.1', port: 0 },
    secret: { user: o.secrets.user, hosts: o.secrets.hosts },
    folders: { patches: join(dir, 'resourced-patches') },
    hosts: { principals: ['hosts'], secrets: { [o.hostId]: o.secrets.hostd }, heartbeatTimeoutMs: 60_000, callTimeoutMs: 60_000, taskTimeoutMs: 15 * 60_000, pollMs: 500 },
    // The lab's ClickOS guest takes 16 MiB (CLICKOS in helpers.ts); CPU demand kept small for a 1-2 CPU dom0.
    pm: { memoryMiB: CLICKOS.memory, cpu: 0.1 },
    // Declared demand only: an emulated dom0 measures 80-90% busy at rest (xentop), which
    // measured load (platform-model.ts cpuCapacity) would count as no room at all.
    placement: { measuredCpu: false },
    pmPrefix: o.prefix,
    bridge: o.bridge,
    // The real store, one file per test: a killed resourced finds its records here.
    store: { kind: 'sqlite', path: join(dir, 'resourced.db') },
    ...o.extra,
  }));
  return file;
}

/**
 * hostd.json in `dir`: loopback, registering with the resourced at `controllerUrl`,
 * heartbeats every 2 s without xentop. Each heartbeat's stats run xl three times (and
 * xentop for a 1 s sample); in the emulated dom0 that kept a CPU busy between the test's
 * own steps, and lab placement counts declared cores, not measured CPU (placement above).
 */
export async function writeHostdConfig(dir: string, o: { name: string; hostId: string; secrets: PairSecrets; controllerUrl: string }): Promise<string> {
  const file = join(dir, 'hostd.json');
  await writeFile(file, JSON.stringify({
    name: o.name,
    hostId: o.hostId,
    listen: { host: '127.0.0.1', port: 0 },
    secret: o.secrets.hostd,
    folders: { patches: join(dir, 'hostd-patches') },
    guests: HOSTD_GUESTS,
    xentop: false,
    controller: { url: o.controllerUrl, secret: o.secrets.hosts, heartbeatSeconds: 2 },
  }));
  return file;
}

/**
 * What a controller lab test leaves to undo, whatever happened: both daemons killed, the
 * guests named `<prefix>*` destroyed, dom0's switch stopped, hostd's XenStore home and
 * the test's folder removed.
 */
export async function tearDownControllerPair(o: {
  prefix: string;
  dir: string;
  hostd: DaemonProcess;
  resourced: DaemonProcess;
  ovs: Dom0Ovs;
}): Promise<void> {
  await o.hostd.stop('SIGKILL').catch(() => {});
  await o.resourced.stop('SIGKILL').catch(() => {});
  const xl = new Xl({ timeoutMs: 300_000 });
  for (const d of await xl.list()) if (d.name.startsWith(o.prefix)) await xl.destroy(d.domid).catch(() => {});
  await o.ovs.stop();
  await execa('xenstore-rm', [`/local/domain/0/clickos-toolstack/hostd/hostd-${o.prefix}`], { reject: false });
  await rm(o.dir, { recursive: true, force: true });
}

export interface LabEnds extends EchoPair {
  /** the bridge ports of net and sink: `<tag>net`, `<tag>sink` */
  net: string;
  sink: string;
  /** fwdChainRequest between them: both ways through PMs a and b of type Fwd (FWD_SRC) */
  request: string;
}

/**
 * net and sink on dom0's switch (test/support/flows-chain.ts): namespaces `<tag>-net` and
 * `<tag>-sink` behind ports `<tag>net` and `<tag>sink`, with sink's echo. The
 * namespaces go with `ovs.stop()`; the echo with the answer's stop().
 */
export async function addNetAndSink(ovs: Dom0Ovs, tag: string): Promise<LabEnds> {
  const net = `${tag}net`;
  const sink = `${tag}sink`;
  const nsNames = { net: `${tag}-net`, sink: `${tag}-sink` };
  const macs = { net: await ovs.addHost(net, nsNames.net, `${NET_IP}/24`), sink: await ovs.addHost(sink, nsNames.sink, `${SINK_IP}/24`) };
  return { ...(await startEchoPair(nsNames, macs)), net, sink, request: fwdChainRequest(net, sink) };
}

/** Waits (2 min at most) until hostd `hostId` is registered with resourced, heartbeats and has told its free memory. */
export function hostdLive(user: XmlRpcClient, hostId: string): Promise<true> {
  return waitFor('hostd to register and heartbeat', async () => {
    const hosts = (await call(user, 'list_hosts')).value as Array<{ host_id: string; heartbeats: number; free_memory_mib: number | null }>;
    return hosts.some((h) => h.host_id === hostId && h.heartbeats > 0 && h.free_memory_mib !== null) ? true : undefined;
  }, 120_000);
}
