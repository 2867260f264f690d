// monitord as a daemon (daemon/ createDaemon): a Monitor polling on its interval, and the
// get_stats command over XML-RPC. resourced can also embed a Monitor directly.
import { createDaemon, type Daemon } from '../../daemon/index.js';
import type { Secrets } from '../../daemon/auth.js';
import { monitordFolders } from './folders.js';
import { Monitor, type MonitorOptions } from './monitor.js';

export interface MonitordOptions extends MonitorOptions {
  listen?: { host?: string; port?: number };
  secret: Secrets;
  auditLog?: string;
}

export interface Monitord {
  daemon: Daemon;
  monitor: Monitor;
  start(): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
}

export function createMonitord(o: MonitordOptions): Monitord {
  const monitor = new Monitor(o);
  const daemon = createDaemon({
    name: 'monitord',
    listen: o.listen,
    secret: o.secret,
    folders: monitordFolders(),
    auditLog: o.auditLog,
    services: { monitor },
    upgraders: [],
  });
  return {
    daemon,
    monitor,
    start: async () => {
      const a = await daemon.start();
      monitor.start();
      return { url: a.url, port: a.port };
    },
    close: async () => {
      await monitor.stop();
      await daemon.close();
    },
  };
}
