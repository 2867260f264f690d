// The config files of resourced and of one hostd as the controller lab tests run them
// in dom0 (their own processes, as systemd would): written once here.
import { execa } from 'execa';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Xl } from '../../toolstack/index.js';
import type { DaemonProcess } from '../support/daemon-process.js';
import type { Dom0Ovs } from './dom0-ovs.js';
import { CLICKOS, HOSTD_GUESTS } from './helpers.js';

export interface PairSecrets {
  /** what resourced presents to hostd */
  hostd: string;
  /** what hostd presents to resourced (principal "hosts") */
  hosts: string;
  /** the user's (principal "user") */
  user: string;
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

/** hostd.json in `dir`: loopback, registering with the resourced at `controllerUrl` every second. */
export async function writeHostdConfig(dir: string, o: { name: string; hostId: string; secrets: PairSecrets; controllerUrl: string }): Promise<string> {
  const file = join(dir, 'hostd.json');
  await writeFile(file, JSON.stringify({
    name: o.name,
    hostId: o.hostId,
    listen: { host: '127.0.0.1', port: 0 },
    secret: o.secrets.hostd,
    folders: { patches: join(dir, 'hostd-patches') },
    guests: HOSTD_GUESTS,
    controller: { url: o.controllerUrl, secret: o.secrets.hosts, heartbeatSeconds: 1 },
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
