// webd, the platform's web page (controller/webd/README.md):
//   node dist/controller/webd/main.js [--config /etc/clickos/webd.json]
// Serves the page and its live view of resourced, monitord and the hosts' hostd.
// Exit codes: 2 bad config or arguments, 1 cannot start (port taken).
import { configFromArgs } from '../../daemon/config-file.js';
import { runMain, stopOnSignals } from '../../daemon/main-process.js';
import { DEFAULT_CONFIG_PATH, loadConfig } from './config.js';
import { createWebd } from './server.js';

const log = (m: string): void => void process.stderr.write(`webd: ${m}\n`);

async function main(): Promise<void> {
  const config = await configFromArgs(process.argv.slice(2), DEFAULT_CONFIG_PATH, loadConfig, log);
  const webd = createWebd(config, log);
  let url: string;
  try {
    ({ url } = await webd.start());
  } catch (e) {
    log(`cannot listen on ${config.listen.host}:${config.listen.port}: ${(e as Error).message}`);
    process.exit(1);
  }
  stopOnSignals(async (signal) => {
    log(`${signal}: stopping`);
    await webd.close();
    process.exit(0);
  });
  log(`listening on ${url}`);
}

runMain(main, log);
