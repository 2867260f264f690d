import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packCpio, packCpioGz } from '../../lab/cpio.js';
import { gunzipSync } from 'node:zlib';

const entries = [
  { kind: 'dir' as const, path: 'etc' },
  { kind: 'file' as const, path: 'etc/hello', data: Buffer.from('hi there\n'), mode: 0o640 },
  { kind: 'file' as const, path: 'odd', data: Buffer.from('abc') },
  { kind: 'symlink' as const, path: 'link', target: 'etc/hello' },
];

t.test('newc layout: magic, 4-byte alignment, trailer', async (t) => {
  const buf = packCpio(entries);
  t.equal(buf.subarray(0, 6).toString(), '070701');
  t.equal(buf.length % 4, 0);
  t.match(buf.toString('latin1'), /TRAILER!!!\0/);
});

t.test('GNU cpio reads back what we wrote', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cpio-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const archive = join(dir, 'a.cpio');
  writeFileSync(archive, gunzipSync(packCpioGz(entries)));
  execFileSync('cpio', ['-idm', '--quiet', '-F', archive], { cwd: join(dir) });
  t.equal(readFileSync(join(dir, 'etc/hello'), 'utf8'), 'hi there\n');
  t.equal(statSync(join(dir, 'etc/hello')).mode & 0o777, 0o640);
  t.equal(readFileSync(join(dir, 'odd'), 'utf8'), 'abc');
  t.equal(readlinkSync(join(dir, 'link')), 'etc/hello');
});

t.test('paths that escape the archive are refused', async (t) => {
  t.throws(() => packCpio([{ kind: 'dir', path: 'a/../../etc' }]), /bad path/);
  t.throws(() => packCpio([{ kind: 'dir', path: '/' }]), /bad path/);
});

