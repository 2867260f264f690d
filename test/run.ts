// `npm test`: unit tests on the host with tap, then the lab tests inside dom0 of a
// freshly booted lab (real Xen) and test/lab-host on the host against that lab,
// then the lab is powered off whatever happens.
// First it makes sure the host has every tool the tests need (lab/host-packages.ts):
// as root it apt-get installs the missing packages, otherwise it stops at once with
// the command to run.
// Ends with one plain line "N passed, N failed" (also written to dist/test-summary.txt).
import { spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureHostPackages, HOST_PACKAGES } from '../lab/host-packages.js';
import { ensureNativeModules } from '../lab/native-modules.js';
import { down, exec, prepare, up } from '../lab/lab.js';
import { projectRoot, labDir } from '../lab/paths.js';
import { countsFromTap, failuresFromTap, type Counts } from './tap-counts.js';

/** Every failed point and the file it came from, recapped before the summary line. */
const failures: string[] = [];
function noteFailures(where: string, out: string, counts: Counts | undefined, exitCode: number | null): void {
  const lines = failuresFromTap(out);
  for (const l of lines) failures.push(`${where}: ${l}`);
  if (!lines.length && (exitCode !== 0 || !counts)) failures.push(`${where}: exited ${exitCode} without a failed point (crash, timeout or no tap summary)`);
}

function add(a: Counts, b: Counts): Counts {
  return { pass: a.pass + b.pass, fail: a.fail + b.fail, skip: a.skip + b.skip };
}

/**
 * test/unit, two files at a time, each by node with tsx's loader: tap's runner spends
 * about 6 s per file compiling the project through ts-node (README, "Tests"). A file's
 * output is printed whole when it ends.
 */
async function unitTests(): Promise<Counts> {
  const dir = join(projectRoot, 'test', 'unit');
  const queue = readdirSync(dir).filter((f) => f.endsWith('.test.ts')).sort();
  let total: Counts = { pass: 0, fail: 0, skip: 0 };
  const worker = async (): Promise<void> => {
    for (let f = queue.shift(); f; f = queue.shift()) {
      const c = await hostFile('unit', join('test', 'unit', f), '300', { loader: 'tsx', buffered: true });
      total = add(total, c); // after the await: the other worker adds to total meanwhile
    }
  };
  await Promise.all([worker(), worker()]);
  return total;
}

/** Lab test files per node process in dom0, and how long one such group may run. */
const LAB_GROUP = 5;
const LAB_GROUP_LIMIT_S = 30 * 60;

/** Every lab test runs against C xenstored; the xenstore client's tests also against oxenstored. */
async function labTests(xenstored: 'xenstored' | 'oxenstored'): Promise<Counts> {
  const dir = join(projectRoot, 'dist', 'test', 'lab');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.test.js') && (xenstored === 'xenstored' || f.startsWith('xenstore')))
    .sort();
  await up({ ownerPid: process.pid, xenstored });
  let total: Counts = { pass: 0, fail: 0, skip: 0 };
  try {
    // A few files per node process (test/lab/one-process.ts): under TCG a node start with tap
    // and the project's modules costs 15–25 s of dom0's CPU, paid once a group. Groups, not
    // one process for all: a whole round in one exec once lost its agent connection midway
    // and took every later file with it.
    for (let i = 0; i < files.length; i += LAB_GROUP) {
      const group = files.slice(i, i + LAB_GROUP);
      process.stdout.write(`# lab (${xenstored}): ${group.join(' ')}\n`);
      const started = Date.now();
      try {
        const r = await exec(['node', join(dir, 'one-process.js'), ...group], {
          cwd: projectRoot,
          // Under emulation a step can take far longer than tap's 30 s default; the tests bound their own waits.
          env: { LAB_DIR: labDir, LAB_XENSTORED: xenstored, TAP_TIMEOUT: String(LAB_GROUP_LIMIT_S) },
          timeoutMs: LAB_GROUP_LIMIT_S * 1000,
          onStdout: (b) => process.stdout.write(b),
          onStderr: (b) => process.stderr.write(b),
        });
        const counts = countsFromTap(r.stdout);
        noteFailures(`lab (${xenstored}) ${group.join(' ')}`, r.stdout, counts, r.exitCode);
        const c = counts ?? { pass: 0, fail: 1, skip: 0 };
        total = add(total, r.exitCode !== 0 && c.fail === 0 ? { ...c, fail: 1 } : c);
      } catch (e) {
        // the exec channel failed: counted, and the next group still runs if the lab answers
        process.stderr.write(`lab (${xenstored}) ${group.join(' ')}: ${(e as Error).message}\n`);
        failures.push(`lab (${xenstored}) ${group.join(' ')}: ${(e as Error).message}`);
        total = add(total, { pass: 0, fail: 1, skip: 0 });
      }
      process.stdout.write(`# lab (${xenstored}): ${group.length} file(s) took ${Math.round((Date.now() - started) / 1000)} s\n`);
    }
    if (xenstored === 'xenstored') total = add(total, await hostSideLabTests());
  } finally {
    await down();
  }
  return total;
}

/** Longest a test file may run before it is killed and counted as failed. */
const FILE_LIMIT_MS = 20 * 60_000;

/**
 * One test file run by node on the host; its counts, with a crash or timeout counted as a
 * failure. `buffered` prints the output at the end (files running side by side).
 */
async function hostFile(label: string, file: string, tapTimeout: string, o: { loader?: string; buffered?: boolean } = {}): Promise<Counts> {
  if (!o.buffered) process.stdout.write(`# ${label}: ${file}\n`);
  const started = Date.now();
  const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const args = o.loader ? ['--import', o.loader, file] : [file];
    const child = spawn(process.execPath, args, { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TAP_TIMEOUT: tapTimeout } });
    const killer = setTimeout(() => child.kill('SIGKILL'), FILE_LIMIT_MS);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!o.buffered) process.stdout.write(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      if (o.buffered) err += d.toString();
      else process.stderr.write(d);
    });
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, out: o.buffered && err ? out + err.trimEnd().replace(/^/gm, '# stderr: ') + '\n' : out });
    });
  });
  if (o.buffered) process.stdout.write(`# ${label}: ${file}\n${out}`);
  const counts = countsFromTap(out);
  noteFailures(`${label} ${file}`, out, counts, code);
  const c = counts ?? { pass: 0, fail: 1, skip: 0 };
  process.stdout.write(`# ${label}: ${file} took ${Math.round((Date.now() - started) / 1000)} s\n`);
  return code !== 0 && c.fail === 0 ? { ...c, fail: 1 } : c;
}

async function hostFiles(folder: string, label: string, tapTimeout: string): Promise<Counts> {
  const dir = join(projectRoot, 'dist', 'test', folder);
  let total: Counts = { pass: 0, fail: 0, skip: 0 };
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort()) total = add(total, await hostFile(label, join(dir, f), tapTimeout));
  return total;
}

/** test/lab-host: run on the host while the lab is up, reaching dom0 through QEMU's port forwards. */
const hostSideLabTests = (): Promise<Counts> => hostFiles('lab-host', 'lab, from the host', '900');

/**
 * test/lab-multi: run on the host between the lab rounds (no lab up); each file boots the
 * labs it needs (the two-host lab: docs/two-host-lab.md) and powers them off.
 */
const multiLabTests = (): Promise<Counts> => hostFiles('lab-multi', 'labs of their own', '1800');

function summary(total: Counts): number {
  if (total.skip) process.stdout.write(`# ${total.skip} skipped\n`);
  if (failures.length) process.stdout.write(`# failed:\n${failures.map((f) => `#   ${f}`).join('\n')}\n`);
  const line = `${total.pass} passed, ${total.fail} failed`;
  writeFileSync(join(projectRoot, 'dist', 'test-summary.txt'), line + '\n');
  process.stdout.write(`${line}\n`);
  return total.fail === 0 ? 0 : 1;
}

async function main(): Promise<number> {
  const noLab = process.argv.includes('--no-lab') || process.env.LAB === '0';
  const inCI = process.env.CI === 'true' || process.env.CI === '1';
  const runLab = !noLab || inCI;
  try {
    // QEMU only when the lab boots; the lab tests' OVS runs in dom0 from the host's own binaries.
    await ensureHostPackages((m) => process.stdout.write(`# ${m}\n`), { packages: HOST_PACKAGES.filter((p) => runLab || !p.labOnly) });
    await ensureNativeModules((m) => process.stdout.write(`# ${m}\n`));
  } catch (e) {
    process.stderr.write(`npm test: ${(e as Error).message}\n`);
    failures.push(`set-up: ${(e as Error).message}`);
    return summary({ pass: 0, fail: 1, skip: 0 });
  }
  const onSignal = (): void => {
    down().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // The lab's downloads and its ClickOS build (minutes on a fresh machine) go on beside the
  // unit tests; a failure here comes back from up(), which prepares again.
  const prepared = runLab ? prepare((m) => process.stdout.write(`# lab: ${m}\n`)).catch(() => undefined) : undefined;
  let total = await unitTests();
  await prepared;
  if (!runLab) {
    process.stdout.write('# lab tests skipped (LAB=0 / --no-lab); CI always runs them\n');
  } else {
    for (const xenstored of ['xenstored', 'oxenstored'] as const) {
      try {
        total = add(total, await labTests(xenstored));
      } catch (e) {
        process.stderr.write(`lab: ${(e as Error).message}\n`);
        failures.push(`lab (${xenstored}): ${(e as Error).message}`);
        total = add(total, { pass: 0, fail: 1, skip: 0 });
      }
      if (xenstored === 'xenstored') total = add(total, await multiLabTests());
    }
  }
  return summary(total);
}

main().then((code) => process.exit(code));
