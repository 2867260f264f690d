// webd for tests: webd as its own process (node dist/controller/webd/main.js --config FILE)
// reading resourced, monitord and the hostds. monitord is the caller's (`monitord`: its URL
// and a secret it takes; test/lab-multi/two-host.test.ts runs it as its own process), or
// made here in process (createMonitord: real XML-RPC, polling the hosts' hostd and the
// switch through ovs-ofctl).
// Used by test/unit/webd-browser.test.ts (stand-in hostds) and test/lab-multi/page.ts (real ones).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { createMonitord } from '../../controller/monitord/index.js';
import { createOfctlDriver } from '../../controller/openflowd/index.js';
import { projectRoot } from '../../lab/paths.js';
import { DaemonProcess } from './daemon-process.js';

export const OPERATOR_SECRET = 'webd-operator-secret-0123456789';
export const VIEWER_SECRET = 'webd-viewer-secret-0123456789ab';
const MONITORD_SECRET = 'webd-monitord-secret-0123456789';

export interface WebdOptions {
  resourced: { url: string; secret: string };
  /** The secret webd presents to every hostd. */
  hostdSecret: string;
  /** A running monitord (url, and a secret of its config.secret), or what an in-process one polls. */
  monitord:
    | { url: string; secret: string }
    | {
        /** The module hosts monitord polls (hostd URL and secret). */
        hosts: Array<{ name: string; url: string; secret: string }>;
        /** ovs-ofctl target of the switch whose counters monitord reads. */
        switchTarget: string;
      };
  pollMs?: number;
}

export interface StartedWebd {
  url: string;
  auditLog: string;
  audit(): Promise<Array<{ who: string | null; method: string; code: number | string; message?: string }>>;
}

export async function startWebd(t: Test, o: WebdOptions): Promise<StartedWebd> {
  const dir = await mkdtemp(join(tmpdir(), 'webd-test-'));
  const m = o.monitord;
  const monitord = 'url' in m ? undefined : createMonitord({ secret: { webd: MONITORD_SECRET }, hosts: m.hosts, driver: createOfctlDriver({ target: m.switchTarget }), intervalMs: o.pollMs ?? 300 });
  const webd = new DaemonProcess('webd', join(projectRoot, 'dist', 'controller', 'webd', 'main.js'));
  t.teardown(async () => {
    await webd.stop('SIGTERM');
    await monitord?.close();
    await rm(dir, { recursive: true, force: true });
  });
  const monitordLink = 'url' in m ? m : { url: (await monitord!.start()).url, secret: MONITORD_SECRET };
  const auditLog = join(dir, 'audit.jsonl');
  const config = join(dir, 'webd.json');
  await writeFile(
    config,
    JSON.stringify({
      listen: { host: '127.0.0.1', port: 0 },
      secret: { ops: OPERATOR_SECRET, viewer: VIEWER_SECRET },
      readOnly: ['viewer'],
      auditLog,
      resourced: o.resourced,
      monitord: monitordLink,
      hosts: { defaultSecret: o.hostdSecret },
      pollMs: o.pollMs ?? 300,
    }),
  );
  const url = await webd.start(config);
  return {
    url,
    auditLog,
    audit: async () => (await readFile(auditLog, 'utf8').catch(() => '')).split('\n').filter(Boolean).map((l) => JSON.parse(l)),
  };
}
