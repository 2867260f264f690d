// The controller's stores (controller/store/): one contract, run on the memory store and
// on SQLite; SQLite's own promises — the file survives a reopen and a writer killed with
// SIGKILL, its schema is migrated forward, a newer one is refused.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { MemoryStore, MIGRATIONS, SqliteStore, StoreError, openStore, type ControllerStore, type StoredAllocation } from '../../controller/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'controller-store-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const alloc = (over: Partial<StoredAllocation> = {}): Omit<StoredAllocation, 'id'> => ({
  request: 'BASESYS=xen.clickos\n',
  state: 'installing',
  planned: { a: 'h1' },
  pms: [],
  createdAt: '2026-12-02T00:00:00.000Z',
  ...over,
});

const contract = (name: string, make: () => ControllerStore): void => {
  t.test(`${name}: the store contract`, async (t) => {
    const s = make();
    t.teardown(() => s.close());
    t.same(await s.load(), { allocations: [], types: [], hosts: [], nextAllocationId: 1 }, 'empty at first');
    const a1 = await s.reserveAllocation(alloc());
    const a2 = await s.reserveAllocation(alloc({ planned: { a: 'h2' } }));
    t.same([a1.id, a2.id], [1, 2], 'ids are handed out in order');
    a1.pms.push({ module: 'a', type: 'Fwd', host: 'h1', name: 'rd-1-1-a', domid: null, status: 'creating', vifs: [{ bridge: 'xenbr0', mac: '02:cf:00:01:01:00' }] });
    await s.putAllocation(a1);
    a1.state = 'installed';
    a1.pms[0]!.domid = 7;
    a1.pms[0]!.status = 'created';
    await s.putAllocation(a1);
    await s.deleteAllocation(a2.id);
    await s.putType({ name: 'Fwd', description: 'd', cpu: 0.1, memoryMiB: 16, src: 'x -> y;', deployedAt: 'now' });
    await s.putHost({ id: 'h1', url: 'http://127.0.0.1:1/', registeredAt: 'then' });
    await s.putHost({ id: 'h1', url: 'http://127.0.0.1:2/', registeredAt: 'later' });
    const snap = await s.load();
    t.same(snap.allocations, [a1], 'the last write of each allocation; the deleted one is gone');
    t.equal(snap.nextAllocationId, 3, 'a deleted id is not handed out again');
    t.same(snap.types.map((x) => x.name), ['Fwd']);
    t.same(snap.hosts, [{ id: 'h1', url: 'http://127.0.0.1:2/', registeredAt: 'later' }], 'a host re-registered replaces its URL');
    const a3 = await s.reserveAllocation(alloc());
    t.equal(a3.id, 3);
    a3.state = 'deleting';
    const loaded = (await s.load()).allocations.find((a) => a.id === 3)!;
    t.equal(loaded.state, 'installing', 'the store keeps a copy: changing a record in memory changes nothing until it is written');
  });
};

contract('memory', () => new MemoryStore());
contract('sqlite', () => new SqliteStore(join(dir, `contract-${Date.now()}.db`)));

t.test('sqlite: what was written is there after a reopen; the config names the store', async (t) => {
  const path = join(dir, 'reopen.db');
  const s1 = await openStore({ kind: 'sqlite', path });
  const a = await s1.reserveAllocation(alloc());
  await s1.close();
  const s2 = new SqliteStore(path);
  t.same((await s2.load()).allocations, [a]);
  t.equal(s2.version, MIGRATIONS.length, 'the schema is at the current version');
  await s2.close();
  t.ok((await openStore({ kind: 'memory' })) instanceof MemoryStore);
});

t.test('sqlite: a file from an older schema is migrated forward, one from a newer one refused', async (t) => {
  const Database = createRequire(import.meta.url)('better-sqlite3');
  const old = join(dir, 'v0.db');
  new Database(old).close(); // a file at version 0: no tables
  const s = new SqliteStore(old);
  t.equal(s.version, MIGRATIONS.length);
  t.equal((await s.load()).nextAllocationId, 1);
  await s.close();
  const newer = join(dir, 'newer.db');
  const db = new Database(newer);
  db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
  db.close();
  t.throws(() => new SqliteStore(newer), StoreError);
  t.throws(() => new SqliteStore(newer), /schema version \d+ is newer than this resourced knows/);
  t.throws(() => new SqliteStore(join(dir, 'no', '\0bad')), StoreError, 'a path that cannot be opened is a StoreError');
});

t.test('sqlite: a writer killed with SIGKILL loses no write it had finished', async (t) => {
  const path = join(dir, 'killed.db');
  // The child reserves allocations as fast as it can and prints each id once its write returned.
  const src = `
    import { SqliteStore } from ${JSON.stringify(new URL('../../controller/store/sqlite.ts', import.meta.url).href)};
    const s = new SqliteStore(${JSON.stringify(path)});
    for (;;) { const a = await s.reserveAllocation({ request: 'x'.repeat(2000), state: 'installing', planned: {}, pms: [], createdAt: 'now' }); process.stdout.write(a.id + '\\n'); }
  `;
  const child = spawn(process.execPath, [...process.execArgv, '--input-type=module', '-e', src], { stdio: ['ignore', 'pipe', 'inherit'] });
  let acked = 0;
  await new Promise<void>((resolve) => {
    child.stdout!.on('data', (b: Buffer) => {
      const ids = b.toString().trim().split('\n').map(Number);
      acked = Math.max(acked, ...ids);
      if (acked >= 200 && child.signalCode === null) {
        child.kill('SIGKILL');
        resolve();
      }
    });
  });
  await new Promise((r) => child.once('exit', r));
  t.equal(child.signalCode, 'SIGKILL', 'the writer was killed mid-stream');
  const s = new SqliteStore(path);
  const ids = (await s.load()).allocations.map((a) => a.id);
  t.ok(ids.length >= acked, `every acknowledged write is there (${acked} acknowledged, ${ids.length} found)`);
  t.same(ids, ids.map((_, i) => i + 1), 'no gap: each write is whole or absent');
  t.equal((await s.load()).nextAllocationId, ids.length + 1, 'the id counter moved with the writes');
  await s.close();
});
