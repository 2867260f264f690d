// The toolstack side of the ClickOS XenStore protocol (clickos-facts.md): routers
// installed as config chunks in one transaction, started and stopped through
// `status`, handlers read through control/read → elements/.../lock and written
// through elements/. Knows nothing of which guest implements the other side.
import { XenStore, XenStoreError, type Transaction } from '../xenstore/index.js';
import { GuestError, GuestTimeoutError } from './errors.js';
import { CLICKOS_MAX_WRITE_VALUE, ELEMENT_RE as ELEMENT, HANDLER_RE as HANDLER, MAX_ROUTERS } from '../toolstack/limits.js';

/** Chunks larger than this are refused by ClickOS's mini-os ring reader. */
export const CHUNK_SIZE = 512;
export { MAX_ROUTERS };

export type RouterStatus = 'Running' | 'Halted';

export interface RouterInfo {
  rid: number;
  status: string;
  configName?: string;
}

function checkHandler(element: string, handler: string): void {
  // ClickOS splits element and handler at the first "/": compound names (a/b) cannot be addressed.
  if (!ELEMENT.test(element)) throw new GuestError(`invalid element name ${JSON.stringify(element)} (ClickOS addresses top-level elements only)`);
  if (!HANDLER.test(handler)) throw new GuestError(`invalid handler name ${JSON.stringify(handler)}`);
}

/** Splits a config into ≤ CHUNK_SIZE-byte pieces without cutting a UTF-8 character. */
export function chunkConfig(config: string, size = CHUNK_SIZE): Buffer[] {
  const buf = Buffer.from(config, 'utf8');
  const chunks: Buffer[] = [];
  let at = 0;
  while (at < buf.length) {
    let end = Math.min(at + size, buf.length);
    while (end < buf.length && (buf[end]! & 0xc0) === 0x80) end--; // continuation byte: back off
    chunks.push(buf.subarray(at, end));
    at = end;
  }
  return chunks;
}

export class ClickosControl {
  constructor(private readonly xs: XenStore) {}

  /**
   * The guest's ClickOS root: `data/clickos` (images since 2016) or the legacy
   * `clickos`; undefined while the guest has not created it yet.
   */
  async root(domid: number): Promise<string | undefined> {
    const home = `/local/domain/${domid}`;
    for (const p of [`${home}/data/clickos`, `${home}/clickos`]) if (await this.xs.exists(p)) return p;
    return undefined;
  }

  private async requireRoot(domid: number, tx?: Transaction): Promise<string> {
    const home = `/local/domain/${domid}`;
    const ops = tx ?? this.xs;
    for (const p of [`${home}/data/clickos`, `${home}/clickos`]) if (await ops.exists(p)) return p;
    if (!(await ops.exists(home))) throw new GuestError(`domain ${domid} does not exist`);
    throw new GuestError(`domain ${domid} is not a ClickOS domain (no data/clickos): wait for it to boot, or check its image`);
  }

  /** Creates the legacy root `clickos` (pre-2016 images expect the toolstack to), readable by the guest. */
  async createLegacyRoot(domid: number): Promise<string> {
    const root = `/local/domain/${domid}/clickos`;
    await this.xs.transaction(async (tx) => {
      if (!(await tx.exists(`/local/domain/${domid}`))) throw new GuestError(`domain ${domid} does not exist`);
      await tx.mkdir(root);
      await tx.setPermissions(root, [{ domid: 0, access: 'none' }, { domid, access: 'read' }]);
    });
    return root;
  }

  /** Waits until the guest has created its ClickOS root (it then watches it). */
  async waitForRoot(domid: number, timeoutMs: number): Promise<string> {
    const home = `/local/domain/${domid}`;
    const w = await this.xs.watch(`${home}/data`);
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        const root = await this.root(domid);
        if (root) return root;
        if (!(await this.xs.exists(home))) throw new GuestError(`domain ${domid} went away before creating data/clickos`);
        const left = deadline - Date.now();
        if (left <= 0) throw new GuestTimeoutError(`domain ${domid} did not create data/clickos within ${timeoutMs / 1000}s: is it a ClickOS image, and did it boot (see its console)?`);
        await w.next(Math.min(left, 1000));
      }
    } finally {
      await w.close().catch(() => {});
    }
  }

  /**
   * Installs a Click configuration as a new router: one transaction (retried on
   * EAGAIN) takes the lowest free router id, creates control/ and elements/ with
   * permissions that let the guest write its replies, writes status=Halted and the
   * config in chunks of at most 512 bytes. Resolves with the router id.
   */
  async install(domid: number, config: string, configName = 'config'): Promise<number> {
    if (config.trim() === '') throw new GuestError('empty Click configuration');
    const chunks = chunkConfig(config);
    return this.xs.transaction(async (tx) => {
      const root = await this.requireRoot(domid, tx);
      const used = new Set((await tx.directory(root)).filter((n) => /^\d+$/.test(n)).map(Number));
      let rid = 0;
      while (used.has(rid)) rid++;
      if (rid >= MAX_ROUTERS) throw new GuestError(`domain ${domid} already has ${MAX_ROUTERS} routers`);
      const r = `${root}/${rid}`;
      const perms = [{ domid: 0, access: 'none' as const }, { domid, access: 'both' as const }];
      // Sent together: xenstored answers one connection's requests in order (each
      // mkdir before its setPermissions), and the install costs one round trip, not 6 + chunks.
      await Promise.all([
        ...['control', 'elements'].flatMap((dir) => [tx.mkdir(`${r}/${dir}`), tx.setPermissions(`${r}/${dir}`, perms)]),
        tx.write(`${r}/config_name`, configName),
        tx.write(`${r}/status`, 'Halted'),
        ...chunks.map((c, i) => tx.write(`${r}/config/${i}`, c)),
      ]);
      return rid;
    });
  }

  private async setStatus(domid: number, rid: number, status: RouterStatus): Promise<void> {
    await this.xs.transaction(async (tx) => {
      const path = `${await this.requireRoot(domid, tx)}/${rid}/status`;
      const now = await tx.read(path).catch((e: unknown) => {
        if (e instanceof XenStoreError && e.errno === 'ENOENT') throw new GuestError(`domain ${domid} has no router ${rid}`);
        throw e;
      });
      if (now === status) throw new GuestError(`router ${rid} of domain ${domid} is already ${status}`);
      await tx.write(path, status);
    });
  }

  /** status=Running: the guest reads the config and starts the router. */
  start(domid: number, rid: number): Promise<void> {
    return this.setStatus(domid, rid, 'Running');
  }

  stop(domid: number, rid: number): Promise<void> {
    return this.setStatus(domid, rid, 'Halted');
  }

  /** A router's status (Running, Halted), or undefined when there is no such router. */
  async status(domid: number, rid: number): Promise<string | undefined> {
    return this.xs.readOptional(`${await this.requireRoot(domid)}/${rid}/status`);
  }

  /** Removes a router; refuses while it runs unless `force`. */
  async remove(domid: number, rid: number, o: { force?: boolean } = {}): Promise<void> {
    await this.xs.transaction(async (tx) => {
      const r = `${await this.requireRoot(domid, tx)}/${rid}`;
      const status = await tx.readOptional(`${r}/status`);
      if (status === undefined) throw new GuestError(`domain ${domid} has no router ${rid}`);
      if (status === 'Running' && !o.force) throw new GuestError(`router ${rid} of domain ${domid} is Running: stop it first, or force`);
      await tx.rm(r);
    });
  }

  /**
   * The routers: every `<rid>` with a status (install writes it in the same transaction
   * as the config). ClickOS answers every handler read under `<root>/0/elements/`,
   * whatever the router (docs/clickos.md), so after router 0 is removed a read re-creates
   * `<root>/0` with only `elements/` in it: that is not a router.
   */
  async routers(domid: number): Promise<RouterInfo[]> {
    const root = await this.requireRoot(domid);
    const rids = (await this.xs.directory(root)).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
    const all = await Promise.all(
      rids.map(async (rid) => ({
        rid,
        status: await this.xs.readOptional(`${root}/${rid}/status`),
        configName: await this.xs.readOptional(`${root}/${rid}/config_name`),
      })),
    );
    return all.flatMap(({ rid, status, configName }) => (status === undefined ? [] : [{ rid, status, ...(configName === undefined ? {} : { configName }) }]));
  }

  /** The installed configuration, joined from its chunks. */
  async config(domid: number, rid: number): Promise<string> {
    const root = await this.requireRoot(domid);
    const names = (await this.xs.directory(`${root}/${rid}/config`)).map(Number).sort((a, b) => a - b);
    const parts = await Promise.all(names.map((i) => this.xs.readBuffer(`${root}/${rid}/config/${i}`)));
    return Buffer.concat(parts).toString('utf8');
  }

  /**
   * Calls a read handler: writes control/read/<element>/<handler>, waits for the
   * guest's `lock` under elements/ (router 0: ClickOS replies there whatever the
   * router), returns the value. Times out with a clear error: a stopped router or
   * an unknown handler never answers.
   */
  async readHandler(domid: number, rid: number, element: string, handler: string, timeoutMs = 5000): Promise<string> {
    checkHandler(element, handler);
    const root = await this.requireRoot(domid);
    const reply = `${root}/0/elements/${element}/${handler}`;
    await this.xs.rm(`${reply}/lock`).catch(() => {});
    const w = await this.xs.watch(`${reply}/lock`);
    try {
      await w.next(); // the registration event
      await this.xs.write(`${root}/${rid}/control/read/${element}/${handler}`, ' ');
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if ((await this.xs.readOptional(`${reply}/lock`)) === '0') return await this.xs.read(reply);
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new GuestTimeoutError(`no answer to ${element}.${handler} from router ${rid} of domain ${domid} within ${timeoutMs / 1000}s: is the router Running, and does the element have that handler?`);
        }
        await w.next(left);
      }
    } finally {
      await w.close().catch(() => {});
      await this.xs.rm(`${root}/${rid}/control/read/${element}`).catch(() => {});
    }
  }

  /** Calls a write handler (no acknowledgement in the protocol; ignored while stopped). */
  async writeHandler(domid: number, rid: number, element: string, handler: string, value: string): Promise<void> {
    checkHandler(element, handler);
    if (value === '') throw new GuestError('ClickOS ignores empty handler writes: give a value');
    // a longer value's XS_READ reply never fits mini-os's ring: the guest's XenStore would wedge (docs/clickos.md §3 "Value sizes")
    if (Buffer.byteLength(value) > CLICKOS_MAX_WRITE_VALUE) throw new GuestError(`a ${Buffer.byteLength(value)}-byte handler value is more than ClickOS can read (${CLICKOS_MAX_WRITE_VALUE})`);
    const root = await this.requireRoot(domid);
    await this.xs.write(`${root}/${rid}/elements/${element}/${handler}`, value);
  }
}
