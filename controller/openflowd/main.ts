// openflowd, the controller's switch daemon (D3.2 §3.1, docs/platform.md):
//   node dist/controller/openflowd/main.js [--config /etc/clickos/openflowd.json]
// Reads the config, connects the switch driver it names, and serves XML-RPC
// (controller/openflowd/api.ts). Flows stay on the switch when it stops.
// Exit codes: 2 bad config or arguments, 1 cannot start (switch unreachable, port taken).
import { configFromArgs } from '../../daemon/config-file.js';
import { runMain, stopOnSignals } from '../../daemon/main-process.js';
import { methodNames } from '../../daemon/index.js';
import { openflowdApi } from './api.js';
import { DEFAULT_CONFIG_PATH, loadConfig } from './config.js';
import { connectSwitch } from './connect.js';
import { createOpenflowdDaemon } from './daemon.js';
import type { SwitchDriver } from './driver.js';
import { Openflowd } from './openflowd.js';

const log = (m: string): void => void process.stderr.write(`openflowd: ${m}\n`);

async function main(): Promise<void> {
  const config = await configFromArgs(process.argv.slice(2), DEFAULT_CONFIG_PATH, loadConfig, log);
  let driver: SwitchDriver;
  try {
    driver = await connectSwitch(config.switch, log);
  } catch (e) {
    log(`cannot reach the switch (config.switch): ${(e as Error).message}`);
    process.exit(1);
  }
  const f = config.flows;
  const openflowd = new Openflowd(driver, { priority: f.priority, vlanBase: f.vlanBase, table: f.table, ...(f.networkPort !== undefined ? { networkPort: f.networkPort } : {}) });
  const daemon = createOpenflowdDaemon(config, openflowd, { log });
  let url: string;
  try {
    ({ url } = await daemon.start());
  } catch (e) {
    log(`cannot listen on ${config.listen.host}:${config.listen.port}: ${(e as Error).message}`);
    await driver.close();
    process.exit(1);
  }
  stopOnSignals(async (signal) => {
    log(`${signal}: stopping`);
    await daemon.close();
    await driver.close();
    process.exit(0);
  });
  log(`listening on ${url} (${methodNames(openflowdApi).length} methods, switch '${config.switch.name}' via ${config.switch.driver})`);

}

runMain(main, log);
