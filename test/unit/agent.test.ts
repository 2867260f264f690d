// The lab's exec channel, server and client both real, over loopback.
import t, { type Test } from 'tap';
import type { AddressInfo } from 'node:net';
import { agentServer } from '../../lab/agent/server.js';
import { execInDom0, ping, AgentError } from '../../lab/agent/client.js';

const TOKEN = 'a'.repeat(48);

async function startServer(t: Test): Promise<number> {
  const srv = agentServer(TOKEN);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => srv.close(() => r())));
  return (srv.address() as AddressInfo).port;
}

t.test('ping answers with the right token only', async (t) => {
  const port = await startServer(t);
  t.ok((await ping(port, TOKEN)) >= 0);
  await t.rejects(ping(port, 'b'.repeat(48)), new AgentError('bad token'));
  await t.rejects(ping(port, 'short'), /bad token/);
});

t.test('exec returns output, stdin and the exit code', async (t) => {
  const port = await startServer(t);
  const r = await execInDom0(port, TOKEN, ['sh', '-c', 'cat; echo err >&2; exit 3'], { stdin: 'hello' });
  t.same(r, { stdout: 'hello', stderr: 'err\n', exitCode: 3, signal: null });
  const cwd = await execInDom0(port, TOKEN, ['pwd'], { cwd: '/tmp' });
  t.equal(cwd.stdout.trim(), '/tmp');
  const env = await execInDom0(port, TOKEN, ['sh', '-c', 'echo $LAB_X'], { env: { LAB_X: 'y' } });
  t.equal(env.stdout, 'y\n');
});

t.test('arguments are never interpreted by a shell', async (t) => {
  const port = await startServer(t);
  const r = await execInDom0(port, TOKEN, ['echo', '$(id); rm -rf /'], {});
  t.equal(r.stdout, '$(id); rm -rf /\n');
});

t.test('a timeout kills the whole process group', async (t) => {
  const port = await startServer(t);
  const r = await execInDom0(port, TOKEN, ['sh', '-c', 'sleep 30 & sleep 30'], { timeoutMs: 300 });
  t.equal(r.signal, 'SIGKILL');
  t.not(r.exitCode, 0);
});

t.test('a missing program and an empty argv are clear errors', async (t) => {
  const port = await startServer(t);
  await t.rejects(execInDom0(port, TOKEN, ['/no/such/program']), /cannot run \/no\/such\/program/);
  await t.rejects(execInDom0(port, TOKEN, []), /argv must be a non-empty array/);
});

t.test('nothing listening gives an error naming the port', async (t) => {
  const port = await startServer(t);
  await t.rejects(ping(port + 1 === 65536 ? 1 : port + 1, TOKEN), /lab agent on port/);
});
