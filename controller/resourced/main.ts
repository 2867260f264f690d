// resourced, the controller's resource daemon (D3.2 §3.1, docs/platform.md):
//   node dist/controller/resourced/main.js [--config /etc/clickos/resourced.json]
// Reads the config, serves XML-RPC (the D3.2 §2.1 high-level API plus hostd's
// register_host/heartbeat), drops module hosts whose heartbeats stop, and with
// config.switch steers each installed allocation's traffic with switch flows. Its state
// is in config.store (SQLite by default): at start it is loaded and reconciled with the
// hosts and the switch (reconcile.ts), so a killed resourced loses nothing.
// Exit codes: 2 bad config or arguments, 1 cannot start (port taken, store unreadable).
import { configFromArgs } from '../../daemon/config-file.js';
import { runMain, stopOnSignals } from '../../daemon/main-process.js';
import { DEFAULT_CONFIG_PATH, loadConfig } from './config.js';
import { methodNames } from '../../daemon/index.js';
import { resourcedApi } from './api.js';
import { createResourcedDaemon } from './daemon.js';
import { Resourced } from './resourced.js';
import { createSteering } from './switch.js';
import { EtcdLeadership, openStore, type ControllerStore } from '../store/index.js';
import type { EtcdStore } from '../store/etcd.js';
import type { Steering } from '../openflowd/steering.js';

const log = (m: string): void => void process.stderr.write(`resourced: ${m}\n`);

async function main(): Promise<void> {
  const config = await configFromArgs(process.argv.slice(2), DEFAULT_CONFIG_PATH, loadConfig, log);
  let steering: Steering | undefined;
  try {
    steering = config.switch && (await createSteering(config.switch));
  } catch (e) {
    log(`cannot reach the switch (config.switch): ${(e as Error).message}`);
    process.exit(1);
  }
  let store: ControllerStore;
  try {
    store = await openStore(config.store);
  } catch (e) {
    log(`cannot open the store (config.store): ${(e as Error).message}`);
    process.exit(1);
  }
  const rd = new Resourced(config, log, steering, store);
  await rd.open();
  const daemon = createResourcedDaemon(config, rd, { log });
  let url: string;
  try {
    ({ url } = await daemon.start());
  } catch (e) {
    log(`cannot listen on ${config.listen.host}:${config.listen.port}: ${(e as Error).message}`);
    process.exit(1);
  }
  rd.start();
  let leadership: EtcdLeadership | undefined;
  if (config.store.kind === 'etcd') {
    // Replicated: act only once elected (it reloads and reconciles then); campaign with the URL followers name.
    leadership = new EtcdLeadership((store as EtcdStore).client, url, config.store.leaseSeconds, log);
    rd.lead(leadership);
    await leadership.start();
  }
  stopOnSignals(async (signal) => {
    // PMs keep running; the store keeps their records for the next start.
    log(`${signal}: stopping (running tasks finish first)`);
    await rd.stop();
    await daemon.close();
    await steering?.close();
    await leadership?.close();
    await store.close();
    process.exit(0);
  });
  log(`listening on ${url} (${methodNames(resourcedApi).length} methods)`);
  // Hosts that do not answer yet are reconciled when they register again.
  if (!leadership) void rd.reconcile().catch((e: Error) => log(`reconcile at start: ${e.message}`));
}

runMain(main, log);
