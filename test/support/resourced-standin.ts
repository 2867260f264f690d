// A STAND-IN for hostd in resourced's unit tests: a real daemon process (createDaemon,
// XML-RPC, tasks polled with task.status, the real registration/heartbeat code of
// hostd/controller.ts) whose create_pm/delete_pm/list_pms/host_stats keep an in-memory
// record instead of booting guests — real hostd needs Xen. Its CPU load is what the
// test sets (options.cpuPercent, the standin_set_load command), not a measurement. test/lab/controller.test.ts
// runs resourced against the real hostd in dom0.
//   node dist/test/support/resourced-standin.js '<json options>'
// Prints "listening on <url>" on stderr once it serves.
import { join } from 'node:path';
import { createDaemon } from '../../daemon/index.js';
import { ControllerLink } from '../../hostd/controller.js';
import type { HostStats } from '../../hostd/api.js';
import { projectRoot } from '../../lab/paths.js';

export interface StandinOptions {
  hostId: string;
  secret: string;
  /** One resourced, or each instance of a replicated one. */
  controllerUrl: string | string[];
  controllerSecret: string;
  heartbeatMs: number;
  nrCpus: number;
  totalMemoryMiB: number;
  /** Memory dom0 keeps: free = total − reserve − Σ PM memory. */
  reserveMiB: number;
  /** The Nth create_pm (1-based) fails as a guest that rejects its config would; 0 = never. */
  failCreateAt: number;
  createDelayMs: number;
  /**
   * STAND-IN load: the host CPU% its host_stats report (as xentop's sum would), null
   * for none (no xentop); the standin_set_load command changes it while it runs.
   */
  cpuPercent?: number | null;
}

interface Pm {
  domid: number;
  name: string;
  memory: number;
}

const o = JSON.parse(process.argv[2] ?? '{}') as StandinOptions;
const log = (m: string): void => void process.stderr.write(`standin ${o.hostId}: ${m}\n`);
const links: ControllerLink[] = [];

const services = {
  pms: new Map<string, Pm>(),
  calls: [] as Array<{ method: string; name: string }>,
  creates: 0,
  /** Names whose create_pm is running (delete_pm waits for them, as hostd does). */
  creating: new Set<string>(),
  nextDomid: 1,
  failCreateAt: o.failCreateAt,
  createDelayMs: o.createDelayMs,
  cpuPercent: o.cpuPercent ?? null,
  stats(): HostStats {
    const used = [...this.pms.values()].reduce((a, p) => a + p.memory, 0);
    return {
      hostname: o.hostId,
      xenVersion: '4.17 (stand-in)',
      nrCpus: o.nrCpus,
      totalMemoryMiB: o.totalMemoryMiB,
      freeMemoryMiB: o.totalMemoryMiB - o.reserveMiB - used,
      cpuPercent: this.cpuPercent,
      dom0LoadAvg: [0, 0, 0],
      pms: this.pms.size,
      pool: null,
      domains: [...this.pms.values()].map((p) => ({ name: p.name, domid: p.domid, pm: true, state: 'r', memoryMiB: p.memory, vcpus: 1, cpuSeconds: 0, cpuPercent: null })),
    };
  },
  stopHeartbeat: async () => void (await Promise.all(links.map((l) => l.stop()))),
};

const daemon = createDaemon({ name: 'standin', secret: o.secret, folders: { daemon: join(projectRoot, 'test', 'fixtures', 'resourced', 'standin') }, services, log });
const { url } = await daemon.start();
log(`listening on ${url}`);
// One link per controller instance, as hostd/main.ts makes them.
for (const controllerUrl of ([] as string[]).concat(o.controllerUrl)) {
  const link = new ControllerLink({
    url: controllerUrl,
    secret: o.controllerSecret,
    heartbeatSeconds: o.heartbeatMs / 1000,
    maxBackoffMs: 500,
    log,
    info: () => ({ host_id: o.hostId, url, daemon: 'standin', methods: ['create_pm', 'delete_pm', 'list_pms', 'host_stats', 'start_router', 'stop_router', 'read_handler', 'write_handler'], stats: services.stats() }),
    stats: async () => services.stats(),
  });
  link.start();
  links.push(link);
}
process.on('SIGTERM', () => {
  void Promise.all(links.map((l) => l.stop())).then(() => daemon.close()).then(() => process.exit(0));
});
