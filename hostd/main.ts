// hostd, the dom0 module-host daemon (D3.2 §3.1.1, docs/platform.md: "instantiating and deleting
// processing modules ... and provide performance figures ... about the current
// load of the module host"):
//   node dist/hostd/main.js [--config /etc/clickos/hostd.json]
// Reads the config, connects to xenstored, finds the PMs a previous hostd left
// (cleaning up creates it never finished), starts the warm pool if configured,
// serves XML-RPC, and registers with the controller if one is configured.
// Exit codes: 2 bad config or arguments, 1 cannot start (no xenstored, port taken).
import { hostname } from 'node:os';
import { XenStore } from '../xenstore/index.js';
import { Xl } from '../toolstack/index.js';
import { ClickosGuests, WarmPool } from '../guests/index.js';
import { configFromArgs } from '../daemon/config-file.js';
import { runMain, stopOnSignals } from '../daemon/main-process.js';
import { DEFAULT_CONFIG_PATH, loadConfig, type HostdConfig } from './config.js';
import { ControllerLink } from './controller.js';
import { methodNames } from '../daemon/index.js';
import { hostdApi } from './api.js';
import { createHostdDaemon } from './daemon.js';
import { Registry } from './registry.js';
import { statsSource, type HostStats } from './stats.js';
import type { HostdServices } from './services.js';

const log = (m: string): void => void process.stderr.write(`hostd: ${m}\n`);

async function buildServices(config: HostdConfig, xs: XenStore): Promise<HostdServices> {
  const g = config.guests;
  const xl = new Xl();
  const guests = new ClickosGuests({
    xs,
    xl,
    bootTimeoutMs: g.bootTimeoutMs,
    initGraceMs: g.initGraceMs,
    handlerTimeoutMs: g.handlerTimeoutMs,
    ...(g.consoleLogDir ? { consoleLogDir: g.consoleLogDir } : {}),
  });
  const registry = new Registry(xs, config.name);
  const p = config.pool;
  const pool = p
    ? new WarmPool({
        guests,
        template: { ...p.template, vifs: p.template.vifs.map((v) => ({ ...v })) },
        size: p.size,
        prefix: p.prefix,
        ...(p.maxMemoryMiB !== undefined ? { maxMemoryMiB: p.maxMemoryMiB } : {}),
        ...(p.hostReserveMiB !== undefined ? { hostReserveMiB: p.hostReserveMiB } : {}),
        onEvent: (e) => log(`pool: ${e.kind}${'domid' in e ? ` domain ${e.domid}` : ''}${'why' in e ? ` (${e.why})` : ''}${'error' in e ? ` (${e.error.message})` : ''}`),
      })
    : undefined;
  return {
    config,
    xs,
    xl,
    guests,
    ...(pool ? { pool } : {}),
    registry,
    creating: new Set(),
    // every reader (host_stats, heartbeat, register_host) shares the collection running
    stats: statsSource({ xl, registry, ...(pool ? { pool } : {}), xentop: config.xentop }),
    log,
  };
}

const pmsOnly = (s: HostStats): HostStats => ({ ...s, domains: s.domains.filter((d) => d.pm) });

async function main(): Promise<void> {
  const config = await configFromArgs(process.argv.slice(2), DEFAULT_CONFIG_PATH, loadConfig, log);

  let xs: XenStore;
  try {
    xs = await XenStore.connect();
  } catch (e) {
    log(`cannot connect to xenstored (is this dom0, and xenstored running?): ${(e as Error).message}`);
    process.exit(1);
  }
  const sv = await buildServices(config, xs);

  // Rediscovery before serving: a client must never see a half-made PM of a previous life.
  const found = await sv.registry.rediscover((domid) => sv.guests.destroy(domid));
  for (const d of found.destroyed) log(`destroyed ${d.name} (domain ${d.domid}): its create_pm never finished`);
  log(`${found.pms.length} processing module(s) found: ${found.pms.map((p) => `${p.name}/${p.domid}`).join(', ') || 'none'}`);

  const daemon = createHostdDaemon(config, sv, { log });
  const { url } = await daemon.start();
  const links: ControllerLink[] = [];
  // Before "listening" is announced: whoever waits for that line may stop us at once.
  stopOnSignals(async (signal) => {
    log(`${signal}: stopping (PMs keep running; idle pool guests are adopted by the next hostd)`);
    await Promise.all(links.map((l) => l.stop()));
    // A guest being warmed may take a boot to finish; not longer than 30 s (the next
    // hostd's pool destroys a half-warmed guest it finds).
    await Promise.race([sv.pool?.close(), new Promise((r) => setTimeout(r, 30_000).unref())]);
    await daemon.close();
    xs.close();
    process.exit(0);
  });
  log(`listening on ${url} (${methodNames(hostdApi).length} methods)`);
  // Warming can take minutes (a guest boot each): in the background; create_pm falls back to xl create meanwhile.
  if (sv.pool) void sv.pool.start().catch((e: unknown) => log(`pool: ${(e as Error).message}`));

  // One link per controller instance: each replica of a replicated resourced knows which hosts live.
  if (config.controller) {
    const c = config.controller;
    const hostId = config.hostId ?? hostname();
    for (const controllerUrl of c.urls ?? [c.url!]) {
      const link = new ControllerLink({
        url: controllerUrl,
        secret: c.secret,
        heartbeatSeconds: c.heartbeatSeconds,
        log,
        // Both carry host_stats' figures with the PM domains only (the controller's business).
        info: async () => ({ host_id: hostId, url: c.advertiseUrl ?? url, daemon: config.name, methods: methodNames(hostdApi), stats: pmsOnly(await sv.stats({ xentop: false })) }),
        stats: async () => pmsOnly(await sv.stats()),
      });
      link.start();
      links.push(link);
    }
  }

}

runMain(main, log);
