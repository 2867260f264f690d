// The same ovs-ofctl commands on a remote switch host over SSH (ssh2). One connection
// serves every command; each command is one exec channel. SSH's exec request carries a
// single command line that the remote shell splits, so every argument is single-quoted
// here (and the arguments themselves were validated by OfctlCommands).
import type { ConnectConfig } from 'ssh2';
import type { SwitchDriver } from './driver.js';
import { OfctlCommands, OfctlError, type Runner } from './ofctl-driver.js';
import type { SflowExportOptions } from './sflow-export.js';

export interface SshDriverOptions {
  host: string;
  port?: number;
  username: string;
  privateKey: Buffer | string;
  /** the switch host's key (OpenSSH public key line or raw key): connections to any other are refused */
  hostKey?: string;
  /** bridge name or ovs-ofctl target on the switch host */
  target: string;
  program?: string;
  readyTimeoutMs?: number;
  /** ovs-vsctl on the switch host for the sFlow export (default bridge: the target, when it is a bridge name) */
  vsctl?: Partial<SflowExportOptions>;
}

export function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

function hostKeyMatches(expected: string, presented: Buffer): boolean {
  const parts = expected.trim().split(/\s+/);
  const b64 = parts.length >= 2 ? parts[1] : parts[0];
  return Buffer.from(b64, 'base64').equals(presented);
}

export async function createSshDriver(o: SshDriverOptions): Promise<SwitchDriver> {
  // Loaded when used: ssh2 is 35 modules, seconds of a daemon's start under emulation.
  const { Client } = await import('ssh2');
  const client = new Client();
  const config: ConnectConfig = {
    host: o.host,
    port: o.port ?? 22,
    username: o.username,
    privateKey: o.privateKey,
    readyTimeout: o.readyTimeoutMs ?? 10_000,
    hostVerifier: o.hostKey ? (key: Buffer) => hostKeyMatches(o.hostKey!, key) : undefined,
  };
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', (e) => reject(new OfctlError(`ssh to ${o.username}@${o.host}:${config.port} failed: ${e.message}`)));
    client.connect(config);
  });
  client.on('error', () => {});
  const runner: Runner = (argv, stdin) =>
    new Promise((resolve, reject) => {
      client.exec(argv.map(shellQuote).join(' '), (err, stream) => {
        if (err) return reject(new OfctlError(`ssh exec on ${o.host} failed: ${err.message}`));
        let stdout = '';
        let stderr = '';
        let code = 1;
        stream.on('data', (d: Buffer) => (stdout += d.toString()));
        stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        stream.on('exit', (c: number | null) => (code = c ?? 1));
        stream.on('close', () => resolve({ exitCode: code, stdout, stderr }));
        stream.end(stdin ?? '');
      });
    });
  return new OfctlCommands(
    o.target,
    runner,
    o.program,
    async () => {
      client.end();
    },
    o.vsctl,
  );
}
