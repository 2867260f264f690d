// resourced, the controller's resource daemon (seed 3.1):
//   node dist/controller/resourced/main.js [--config /etc/clickos/resourced.json]
// Reads the config, serves XML-RPC (the seed 2.1 high-level API plus hostd's
// register_host/heartbeat), drops module hosts whose heartbeats stop, and with
// config.switch steers each installed allocation's traffic with switch flows.
// Exit codes: 2 bad config or arguments, 1 cannot start (port taken).
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig, type ResourcedConfig } from './config.js';
import { COMMANDS, TASKS, createResourcedDaemon } from './daemon.js';
import { Resourced } from './resourced.js';
import { createSteering } from './switch.js';

const log = (m: string): void => void process.stderr.write(`resourced: ${m}\n`);

function configPath(argv: string[]): string {
  const i = argv.indexOf('--config');
  if (i < 0) return DEFAULT_CONFIG_PATH;
  const p = argv[i + 1];
  if (!p) {
    log('--config needs a path');
    process.exit(2);
  }
  return p;
}

async function main(): Promise<void> {
  let config: ResourcedConfig;
  try {
    config = await loadConfig(configPath(process.argv.slice(2)));
  } catch (e) {
    log((e as Error).message);
    process.exit(e instanceof ConfigError ? 2 : 1);
  }
  let steering: Awaited<ReturnType<typeof createSteering>> | undefined;
  try {
    steering = config.switch && (await createSteering(config.switch));
  } catch (e) {
    log(`cannot reach the switch (config.switch): ${(e as Error).message}`);
    process.exit(1);
  }
  const rd = new Resourced(config, log, steering);
  const daemon = createResourcedDaemon(config, rd, { log });
  let url: string;
  try {
    ({ url } = await daemon.start());
  } catch (e) {
    log(`cannot listen on ${config.listen.host}:${config.listen.port}: ${(e as Error).message}`);
    process.exit(1);
  }
  rd.start();
  log(`listening on ${url} (${COMMANDS.length + TASKS.length} methods)`);

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    // Allocations live in memory only: PMs keep running, but a restarted resourced no longer knows them (see README).
    log(`${signal}: stopping (running tasks finish first)`);
    rd.stop();
    await daemon.close();
    await steering?.openflowd.driver.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((e: unknown) => {
  log(`fatal: ${(e as Error).stack ?? String(e)}`);
  process.exit(1);
});
