// monitord, the controller's monitoring daemon (D3.2 §3.1, docs/platform.md):
//   node dist/controller/monitord/main.js [--config /etc/clickos/monitord.json]
// Polls every configured hostd and openflowd on its interval, pushes each snapshot to
// resourced (report_stats), and serves get_stats (controller/monitord/api.ts).
// Exit codes: 2 bad config or arguments, 1 cannot start (port taken).
import { configFromArgs } from '../../daemon/config-file.js';
import { runMain, stopOnSignals } from '../../daemon/main-process.js';
import { DEFAULT_CONFIG_PATH, loadConfig } from './config.js';
import { createMonitord } from './monitord.js';

const log = (m: string): void => void process.stderr.write(`monitord: ${m}\n`);

async function main(): Promise<void> {
  const c = await configFromArgs(process.argv.slice(2), DEFAULT_CONFIG_PATH, loadConfig, log);
  const m = createMonitord({
    listen: c.listen,
    secret: c.secret,
    ...(c.auditLog ? { auditLog: c.auditLog } : {}),
    hosts: c.hosts,
    ...(c.openflowd ? { openflowd: c.openflowd } : {}),
    ...(c.resourced ? { resourced: c.resourced } : {}),
    intervalMs: c.intervalMs,
    timeoutMs: c.timeoutMs,
  });
  let url: string;
  try {
    ({ url } = await m.start());
  } catch (e) {
    log(`cannot listen on ${c.listen.host}:${c.listen.port}: ${(e as Error).message}`);
    process.exit(1);
  }
  stopOnSignals(async (signal) => {
    log(`${signal}: stopping`);
    await m.close();
    process.exit(0);
  });
  log(`listening on ${url} (polling ${c.hosts.length} host(s)${c.openflowd ? ', openflowd' : ''} every ${c.intervalMs} ms${c.resourced ? ', pushing to resourced' : ''})`);
}

runMain(main, log);
