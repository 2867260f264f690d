// toolstack/run.ts and the Xl driver's errors on top of it, with small shell programs
// standing in for xl (the lab tests run the real one).
import t from 'tap';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runProgram } from '../../toolstack/run.js';
import { Xl, XlError, XlTimeoutError } from '../../toolstack/index.js';

t.test('output, exit code and arguments passed as a vector', async (t) => {
  const r = await runProgram('sh', ['-c', 'printf "%s|" "$@"; echo err >&2; exit 3', 'sh', 'a b', ';reboot']);
  t.same([r.exitCode, r.stdout, r.stderr, r.timedOut], [3, 'a b|;reboot|', 'err\n', false]);
});

t.test('input is the program stdin; without it stdin is closed', async (t) => {
  const echo = ['-e', "process.stdin.on('data', (d) => process.stdout.write(String(d).toUpperCase())).on('end', () => process.stdout.write('|end'))"];
  t.equal((await runProgram(process.execPath, echo, { input: 'flows\n' })).stdout, 'FLOWS\n|end');
  t.equal((await runProgram(process.execPath, echo)).stdout, '|end');
  const big = 'x'.repeat(1 << 20);
  t.equal((await runProgram(process.execPath, ['-e', "let n = 0; process.stdin.on('data', (d) => (n += d.length)).on('end', () => console.log(n))"], { input: big })).stdout.trim(), String(big.length), 'a megabyte arrives whole');
});

t.test('a missing program: spawnError, no throw', async (t) => {
  const r = await runProgram('/nonexistent/xl', []);
  t.equal(r.exitCode, undefined);
  t.match(r.spawnError?.message, /ENOENT/);
});

t.test('a timeout stops the program', async (t) => {
  const r = await runProgram('sleep', ['30'], { timeoutMs: 200 });
  t.equal(r.timedOut, true);
  t.equal(r.exitCode, undefined, 'killed by a signal');
});

t.test('Xl maps each outcome to its error', async (t) => {
  const dir = t.testdir();
  const fake = join(dir, 'xl');
  writeFileSync(fake, '#!/bin/sh\ncase "$1" in\n  list) echo "Name ID Mem VCPUs State Time(s)"; echo "Domain-0 0 1024 2 r----- 1.0";;\n  destroy) echo "$2 is an invalid domain identifier" >&2; exit 1;;\n  sleep) sleep 30;;\nesac\n');
  chmodSync(fake, 0o755);
  const xl = new Xl({ xl: fake, timeoutMs: 300 });
  t.match(await xl.run(['list']), /^Domain-0 0 1024/m);
  const e = await xl.run(['destroy', 'nope']).catch((x: unknown) => x);
  t.ok(e instanceof XlError && !(e instanceof XlTimeoutError));
  t.match((e as Error).message, /nope is an invalid domain identifier/);
  t.ok((await xl.run(['sleep']).catch((x: unknown) => x)) instanceof XlTimeoutError);
  const missing = await new Xl({ xl: join(dir, 'no-xl') }).run(['list']).catch((x: unknown) => x);
  t.match((missing as Error).message, /installed and on PATH/);
});
