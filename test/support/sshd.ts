// A private OpenSSH server on loopback for the SSH driver: its own config, host key and
// one authorised user key, on a free port; stop() kills it and removes its files.
import { execa, type ResultPromise } from 'execa';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { freePort } from '../../lab/free-port.js';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface PrivateSshd {
  port: number;
  username: string;
  privateKey: Buffer;
  hostKey: string;
  stop(): Promise<void>;
}


async function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

export async function startSshd(): Promise<PrivateSshd> {
  const dir = await mkdtemp(join(tmpdir(), 'sshd-flows-'));
  let child: ResultPromise | null = null;
  const stop = async () => {
    if (child?.pid) {
      child.kill('SIGTERM');
      await child.catch(() => {});
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'user_key')]);
    await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'user_key.pub')), { mode: 0o600 });
    // privilege separation directory sshd insists on
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    const port = await freePort();
    const config = [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'StrictModes no',
      'LogLevel ERROR',
      '',
    ].join('\n');
    await writeFile(join(dir, 'sshd_config'), config);
    await execa('/usr/sbin/sshd', ['-t', '-f', join(dir, 'sshd_config')]);
    child = execa('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { reject: false, stdio: 'ignore' });
    for (let i = 0; i < 100 && !(await accepting(port)); i++) await new Promise((r) => setTimeout(r, 50));
    if (!(await accepting(port))) throw new Error('sshd did not start listening');
    return {
      port,
      username: userInfo().username,
      privateKey: await readFile(join(dir, 'user_key')),
      hostKey: (await readFile(join(dir, 'host_key.pub'), 'utf8')).trim(),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
