// The SQLite store (the default): one file, WAL journal with synchronous=FULL, so a write
// that returned survives a crash of resourced or of the machine. The schema is versioned
// with PRAGMA user_version; MIGRATIONS[i] takes a file from version i to i + 1, each in a
// transaction, so an older file is brought forward on open and a newer one is refused.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { StoreError, type ControllerStore, type StoreSnapshot, type StoredAllocation, type StoredHost, type StoredType } from './contract.js';

export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE allocations (id INTEGER PRIMARY KEY, state TEXT NOT NULL, request TEXT NOT NULL, record TEXT NOT NULL);
   CREATE TABLE pm_types (name TEXT PRIMARY KEY, record TEXT NOT NULL);
   CREATE TABLE hosts (id TEXT PRIMARY KEY, url TEXT NOT NULL, record TEXT NOT NULL);
   CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
   INSERT INTO counters VALUES ('next_allocation_id', 1);`,
];

/** better-sqlite3 is an optional dependency (it compiles on install): say how to get it. */
function loadDriver(): typeof BetterSqlite3 {
  try {
    return createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  } catch (e) {
    throw new StoreError(
      `the SQLite store needs better-sqlite3, which did not build (${(e as Error).message.split('\n')[0]}); ` +
        'install a compiler (apt-get install build-essential python3) and run npm install, or set store.kind to "memory"',
    );
  }
}

export class SqliteStore implements ControllerStore {
  readonly description: string;
  private readonly db: BetterSqlite3.Database;

  constructor(readonly path: string) {
    this.description = `sqlite:${path}`;
    const Database = loadDriver();
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    try {
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('busy_timeout = 5000');
      this.migrate();
    } catch (e) {
      if (e instanceof StoreError) throw e;
      throw new StoreError(`${path}: ${(e as Error).message}`);
    }
  }

  /** The file's schema version (0: new file). */
  get version(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private migrate(): void {
    const from = this.version;
    if (from > MIGRATIONS.length) throw new StoreError(`${this.path}: schema version ${from} is newer than this resourced knows (${MIGRATIONS.length}); use a newer resourced`);
    for (let v = from; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  async load(): Promise<StoreSnapshot> {
    const rows = <T>(sql: string): T[] => this.db.prepare(sql).all() as T[];
    return {
      allocations: rows<{ record: string }>('SELECT record FROM allocations ORDER BY id').map((r) => JSON.parse(r.record) as StoredAllocation),
      types: rows<{ record: string }>('SELECT record FROM pm_types ORDER BY name').map((r) => JSON.parse(r.record) as StoredType),
      hosts: rows<{ record: string }>('SELECT record FROM hosts ORDER BY id').map((r) => JSON.parse(r.record) as StoredHost),
      nextAllocationId: (this.db.prepare("SELECT value FROM counters WHERE name = 'next_allocation_id'").get() as { value: number }).value,
    };
  }

  async reserveAllocation(a: Omit<StoredAllocation, 'id'>): Promise<StoredAllocation> {
    return this.db.transaction(() => {
      const { value: id } = this.db.prepare("UPDATE counters SET value = value + 1 WHERE name = 'next_allocation_id' RETURNING value - 1 AS value").get() as { value: number };
      const rec: StoredAllocation = { ...a, id };
      this.write(rec);
      return rec;
    })();
  }

  private write(a: StoredAllocation): void {
    this.db.prepare('INSERT INTO allocations (id, state, request, record) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET state = excluded.state, record = excluded.record').run(a.id, a.state, a.request, JSON.stringify(a));
  }

  async putAllocation(a: StoredAllocation): Promise<void> {
    this.write(a);
  }

  async deleteAllocation(id: number): Promise<void> {
    this.db.prepare('DELETE FROM allocations WHERE id = ?').run(id);
  }

  async putType(t: StoredType): Promise<void> {
    this.db.prepare('INSERT OR REPLACE INTO pm_types (name, record) VALUES (?, ?)').run(t.name, JSON.stringify(t));
  }

  async putHost(h: StoredHost): Promise<void> {
    this.db.prepare('INSERT OR REPLACE INTO hosts (id, url, record) VALUES (?, ?, ?)').run(h.id, h.url, JSON.stringify(h));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
