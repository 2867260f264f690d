// The XenStore client: every method checks its arguments before anything is
// sent, turns ERROR replies into XenStoreError, and can run inside a transaction.
import { connectSocket, connectXenbus, type Connection } from './connection.js';
import { Router } from './router.js';
import { Op, OP_NAMES, HEADER_SIZE, PAYLOAD_MAX, ABS_PATH_MAX, REL_PATH_MAX, frame, splitStrings, type Packet } from './wire.js';
import { TransactionRetryError, XenStoreArgumentError, XenStoreError } from './errors.js';
import { formatPermission, parsePermission, type Permission } from './permissions.js';
import { Watch } from './watch.js';

const PATH_CHARS = /^[A-Za-z0-9\-/_@]+$/;
/** A well-formed path: "/", or components of allowed characters joined by single slashes. */
const GOOD_PATH = /^(?:\/|\/?[A-Za-z0-9\-_]+(?:\/[A-Za-z0-9\-_]+)*)$/;

/** Checks a node path (absolute, or relative to the caller's domain home). */
export function checkPath(path: string, opts: { special?: boolean } = {}): void {
  // Fast path first (one regex; ASCII, so length is the byte length): it runs on every call.
  if (typeof path === 'string' && path.length <= REL_PATH_MAX && GOOD_PATH.test(path)) return;
  if (typeof path !== 'string' || path === '') throw new XenStoreArgumentError('empty XenStore path');
  if (path.startsWith('@')) {
    if (opts.special && (path === '@introduceDomain' || path === '@releaseDomain')) return;
    throw new XenStoreArgumentError(`${JSON.stringify(path)}: only watches take @introduceDomain / @releaseDomain`);
  }
  if (!PATH_CHARS.test(path) || path.includes('@')) throw new XenStoreArgumentError(`${JSON.stringify(path)}: XenStore paths use only A-Z a-z 0-9 - / _`);
  if (path !== '/' && (path.endsWith('/') || path.includes('//'))) throw new XenStoreArgumentError(`${JSON.stringify(path)}: empty path component`);
  const max = path.startsWith('/') ? ABS_PATH_MAX : REL_PATH_MAX;
  if (Buffer.byteLength(path) > max) throw new XenStoreArgumentError(`path longer than ${max} bytes: ${path.slice(0, 40)}...`);
}

const opName = (type: number): string => OP_NAMES[type] ?? String(type);
// The replies' mappings, made once (not a new closure per call).
const asString = (r: Packet): string => r.payload.toString('utf8');
const asBuffer = (r: Packet): Buffer => r.payload;
const asNothing = (): void => undefined;

function checkDomid(domid: number): void {
  if (!Number.isInteger(domid) || domid < 0 || domid > 0x7fef) throw new XenStoreArgumentError(`invalid domid ${domid}`);
}

/** The node operations, shared by the client (transaction 0) and by transactions. */
export class NodeOps {
  constructor(
    protected readonly router: Router,
    readonly txId: number,
  ) {}

  // The hot path (call, read, write) chains promises without async functions:
  // each async layer costs microtask hops, and every JS step is emulated in the lab.
  /**
   * Sends `type` with `args` NUL-terminated (then `value` as is) and resolves with
   * map(reply); an ERROR reply rejects with XenStoreError naming the op and path.
   */
  protected call(type: number, args: readonly string[], path?: string): Promise<Packet>;
  protected call<T>(type: number, args: readonly string[], path: string | undefined, map: (reply: Packet) => T, value?: string | Buffer): Promise<T>;
  protected call<T>(type: number, args: readonly string[], path?: string, map?: (reply: Packet) => T, value?: string | Buffer): Promise<T | Packet> {
    const request = frame(type, this.txId, args, value);
    if (request.length - HEADER_SIZE > PAYLOAD_MAX) {
      return Promise.reject(new XenStoreArgumentError(`${opName(type)}: payload of ${request.length - HEADER_SIZE} bytes exceeds the protocol's ${PAYLOAD_MAX}`));
    }
    return this.router.request(request, (reply) => {
      if (reply.type === Op.ERROR) throw new XenStoreError(reply.payload.toString('utf8').replace(/\0.*$/s, ''), opName(type), path);
      return map ? map(reply) : reply;
    });
  }

  /** The value of a node as a string (UTF-8). Rejects ENOENT if it does not exist. */
  read(path: string): Promise<string> {
    try {
      checkPath(path);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.call(Op.READ, [path], path, asString);
  }

  /** The value of a node as raw bytes. */
  readBuffer(path: string): Promise<Buffer> {
    try {
      checkPath(path);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.call(Op.READ, [path], path, asBuffer);
  }

  /** Writes a value, creating the node and missing parents. */
  write(path: string, value: string | Buffer): Promise<void> {
    try {
      checkPath(path);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.call(Op.WRITE, [path], path, asNothing, value);
  }

  /** Creates an empty node (and parents); succeeds if it already exists. */
  async mkdir(path: string): Promise<void> {
    checkPath(path);
    await this.call(Op.MKDIR, [path], path);
  }

  /** Removes a node and its subtree; succeeds if it is already absent but its parent exists. */
  async rm(path: string): Promise<void> {
    checkPath(path);
    await this.call(Op.RM, [path], path);
  }

  /** The names of a node's children, all of them: DIRECTORY_PART takes over when the list is too big for one reply. */
  async directory(path: string): Promise<string[]> {
    checkPath(path);
    try {
      return splitStrings((await this.call(Op.DIRECTORY, [path], path)).payload);
    } catch (e) {
      if (e instanceof XenStoreError && e.errno === 'E2BIG') return this.directoryPart(path);
      throw e;
    }
  }

  private async directoryPart(path: string): Promise<string[]> {
    // Reply: "<generation>\0child\0child\0...": a final empty child marks the end.
    // If the generation changes between parts the node changed: start over.
    for (let restart = 0; restart < 10; restart++) {
      let gen: string | undefined;
      const children: string[] = [];
      let offset = 0;
      for (;;) {
        const reply = await this.call(Op.DIRECTORY_PART, [path, String(offset)], path);
        const text = reply.payload.toString('utf8');
        const parts = text.split('\0');
        const g = parts.shift()!;
        if (gen === undefined) gen = g;
        else if (g !== gen) break;
        const body = text.slice(g.length + 1);
        const done = body === '' || body.endsWith('\0\0') || body === '\0';
        const names = splitStrings(Buffer.from(done ? body.replace(/\0$/, '') : body));
        children.push(...names.filter((n) => n !== ''));
        if (done) return children;
        offset += Buffer.byteLength(body);
      }
    }
    throw new XenStoreError('EAGAIN', 'DIRECTORY_PART', path);
  }

  /** The node's permissions; the first entry is the owner and everyone's default. */
  async getPermissions(path: string): Promise<Permission[]> {
    checkPath(path);
    return splitStrings((await this.call(Op.GET_PERMS, [path], path)).payload).map(parsePermission);
  }

  async setPermissions(path: string, perms: Permission[]): Promise<void> {
    checkPath(path);
    if (perms.length === 0) throw new XenStoreArgumentError('setPermissions needs at least the owner entry');
    let formatted: string[];
    try {
      formatted = perms.map(formatPermission);
    } catch (e) {
      throw new XenStoreArgumentError((e as Error).message);
    }
    await this.call(Op.SET_PERMS, [path, ...formatted], path);
  }

  /**
   * A node's value, or undefined when it does not exist. Only ENOENT is mapped: a lost
   * connection, a permission error or a bad transaction is thrown, never read as "absent".
   */
  async readOptional(path: string): Promise<string | undefined> {
    try {
      return await this.read(path);
    } catch (e) {
      if (e instanceof XenStoreError && e.errno === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Whether a node exists (READ answers ENOENT otherwise). */
  async exists(path: string): Promise<boolean> {
    try {
      await this.readBuffer(path);
      return true;
    } catch (e) {
      if (e instanceof XenStoreError && e.errno === 'ENOENT') return false;
      throw e;
    }
  }
}

export class Transaction extends NodeOps {
  private finished = false;

  /** Commits; rejects XenStoreError EAGAIN if another writer conflicted (retry the whole body). */
  async commit(): Promise<void> {
    await this.end(true);
  }

  async abort(): Promise<void> {
    await this.end(false);
  }

  private async end(commit: boolean): Promise<void> {
    if (this.finished) throw new XenStoreArgumentError(`transaction ${this.txId} already ended`);
    this.finished = true;
    await this.call(Op.TRANSACTION_END, [commit ? 'T' : 'F']);
  }
}

export interface ConnectOptions {
  /** 'socket' (default in dom0) or 'xenbus' (/dev/xen/xenbus). */
  transport?: 'socket' | 'xenbus';
  /** Socket path or device path; defaults follow libxenstore (XENSTORED_PATH, XENSTORED_RUNDIR). */
  path?: string;
}

export interface TransactionOptions {
  /** Attempts before giving up with TransactionRetryError (default 10). */
  attempts?: number;
  /** First backoff in ms, doubled per attempt and jittered ±50% (default 2). */
  backoffMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class XenStore extends NodeOps {
  private nextToken = 1;

  private constructor(router: Router) {
    super(router, 0);
  }

  /** Connects over the Unix socket (default) or /dev/xen/xenbus. */
  static async connect(opts: ConnectOptions = {}): Promise<XenStore> {
    const conn = opts.transport === 'xenbus' ? await connectXenbus(opts.path) : await connectSocket(opts.path);
    return XenStore.over(conn);
  }

  /** A client over an already open connection (tests use a scripted peer). */
  static over(conn: Connection): XenStore {
    return new XenStore(new Router(conn));
  }

  /** Replies that matched no pending request. */
  get unmatchedReplies(): number {
    return this.router.unmatchedReplies;
  }

  /** Registers a watch; it fires once at once, then on every change under `path`. */
  async watch(path: string, token?: string): Promise<Watch> {
    checkPath(path, { special: true });
    const tok = token ?? `ts-watch-${this.nextToken++}`;
    if (/\0/.test(tok) || tok === '') throw new XenStoreArgumentError('a watch token must be non-empty and have no NUL');
    const w = new Watch(path, tok, async () => {
      this.router.unsubscribe(tok);
      if (!this.router.closed) await this.call(Op.UNWATCH, [path, tok], path);
    });
    // Subscribe first: the first event can arrive before the WATCH reply.
    this.router.subscribe(tok, w);
    try {
      await this.call(Op.WATCH, [path, tok], path);
    } catch (e) {
      this.router.unsubscribe(tok);
      w.end();
      throw e;
    }
    return w;
  }

  /** Starts a transaction; several may be open at once on one connection. */
  async transactionStart(): Promise<Transaction> {
    const reply = await this.call(Op.TRANSACTION_START, ['']);
    const id = Number(splitStrings(reply.payload)[0]);
    if (!Number.isInteger(id) || id <= 0) throw new XenStoreError('EIO', 'TRANSACTION_START');
    return new Transaction(this.router, id);
  }

  /**
   * Runs `body` in a transaction and commits; on EAGAIN (from commit or any step)
   * runs it again, with jittered exponential backoff, at most `attempts` times.
   * Any other error aborts the transaction and is rethrown.
   */
  async transaction<T>(body: (tx: Transaction) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
    const attempts = opts.attempts ?? 10;
    const backoff = opts.backoffMs ?? 2;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const tx = await this.transactionStart();
      let result: T;
      try {
        result = await body(tx);
      } catch (e) {
        await tx.abort().catch(() => {});
        if (e instanceof XenStoreError && e.errno === 'EAGAIN') {
          await sleep(backoff * 2 ** (attempt - 1) * (0.5 + Math.random()));
          continue;
        }
        throw e;
      }
      try {
        await tx.commit();
        return result;
      } catch (e) {
        if (!(e instanceof XenStoreError && e.errno === 'EAGAIN')) throw e;
      }
      if (attempt < attempts) await sleep(backoff * 2 ** (attempt - 1) * (0.5 + Math.random()));
    }
    throw new TransactionRetryError(attempts);
  }

  /** `/local/domain/<domid>`, as xenstored says. */
  async getDomainPath(domid: number): Promise<string> {
    checkDomid(domid);
    return splitStrings((await this.call(Op.GET_DOMAIN_PATH, [String(domid)])).payload)[0] ?? '';
  }

  async isDomainIntroduced(domid: number): Promise<boolean> {
    checkDomid(domid);
    return splitStrings((await this.call(Op.IS_DOMAIN_INTRODUCED, [String(domid)])).payload)[0] === 'T';
  }

  /** Tells xenstored about a domain's ring page (gfn) and event channel. */
  async introduce(domid: number, mfn: number, eventChannel: number): Promise<void> {
    checkDomid(domid);
    if (!Number.isSafeInteger(mfn) || mfn < 0 || !Number.isInteger(eventChannel) || eventChannel <= 0) {
      throw new XenStoreArgumentError(`invalid ring page ${mfn} or event channel ${eventChannel}`);
    }
    await this.call(Op.INTRODUCE, [String(domid), String(mfn), String(eventChannel)]);
  }

  async release(domid: number): Promise<void> {
    checkDomid(domid);
    await this.call(Op.RELEASE, [String(domid)]);
  }

  /** Drops every watch and transaction this connection holds in xenstored. */
  async resetWatches(): Promise<void> {
    await this.call(Op.RESET_WATCHES, ['']);
  }

  /** xenstore-control's commands (e.g. `log on`, `print text`); returns the daemon's answer. */
  async control(...args: string[]): Promise<string> {
    if (args.length === 0) throw new XenStoreArgumentError('control needs a command');
    const reply = await this.call(Op.CONTROL, args);
    return reply.payload.toString('utf8').replace(/\0+$/, '');
  }

  /** Ends every pending call and watch, and closes the connection. */
  close(): void {
    this.router.close();
  }
}
