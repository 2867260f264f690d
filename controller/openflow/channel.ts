// The controller side of an OpenFlow 1.3 channel. The switch connects to us (ovs-vsctl
// set-controller br tcp:HOST:PORT): we listen, say HELLO, settle on 1.3, ask for features
// and answer its echo requests. Installs are confirmed by a barrier (OpenFlow promises
// that every error for earlier requests arrives before the barrier reply), so an install
// either resolves with everything accepted or rejects with the switch's error for the
// first refused flow. The channel remembers the desired flows per cookie: when the
// switch reconnects (ovs-vswitchd restarted and lost its tables) it installs them again.
// Every message is checked (checkFromSwitch, then its parser) before it is acted on; one
// that fails closes that switch's connection with the reason logged, and the controller
// carries on: a switch's bytes must never be able to take the daemon down.
import { createServer, type Server, type Socket, type AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';
import { OFP_HEADER_LEN, OFP_VERSION, OFPET, OFPFC, OFPHFC_INCOMPATIBLE, OFPMPF_REPLY_MORE, OFPT, OFPTT_ALL, errorName } from './constants.js';
import { ChannelClosedError, OpenFlowBaseError, OpenFlowDecodeError, OpenFlowError } from './errors.js';
import {
  checkFromSwitch, encodeBarrierRequest, encodeEchoReply, encodeEchoRequest, encodeError, encodeFeaturesRequest, encodeFlowMod,
  encodeFlowStatsRequest, encodeHello, encodePortDescRequest, encodePortStatsRequest, parseError, parseFeaturesReply,
  parseFlowStats, parseHelloVersions, parseMultipartReply, parsePortDesc, parsePortStats, type FeaturesReply,
} from './messages.js';
import { flowKey, type Flow, type FlowEntry, type PortDesc, type PortStats } from './model.js';

export { ChannelClosedError, OpenFlowBaseError, OpenFlowDecodeError, OpenFlowError } from './errors.js';

export interface ChannelOptions {
  /** default 127.0.0.1 */
  host?: string;
  /** default 6653; 0 for any free port */
  port?: number;
  /** how often we probe an idle switch with ECHO_REQUEST (default 5000 ms) */
  echoIntervalMs?: number;
  /** a switch that does not answer an echo in this time is dropped (default 15000 ms) */
  echoTimeoutMs?: number;
  /** how long a request waits for a switch to be connected (default 10000 ms) */
  connectTimeoutMs?: number;
  log?: (msg: string) => void;
}

interface Pending {
  resolve(msgs: Buffer[]): void;
  reject(e: Error): void;
  parts: Buffer[];
  flow?: Flow;
  /** a flow_mod: no reply of its own; done when a later barrier's reply arrives without an error for it */
  noReply?: boolean;
  seq: number;
}

/** One connected switch. */
class Connection {
  private buf: Buffer = Buffer.alloc(0);
  readonly pending = new Map<number, Pending>();
  readonly peer: string;
  closed = false;
  /** its HELLO was accepted: a second one is ignored */
  greeted = false;

  constructor(
    readonly socket: Socket,
    private readonly onMessage: (c: Connection, msg: Buffer) => void,
    private readonly onClose: (c: Connection) => void,
    private readonly log: (m: string) => void,
  ) {
    this.peer = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.data(d));
    socket.on('error', () => {});
    socket.on('close', () => this.close(new ChannelClosedError('switch disconnected')));
  }

  private data(d: Buffer) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    // a message handled earlier in this chunk may have closed the connection: stop there
    while (!this.closed && this.buf.length >= OFP_HEADER_LEN) {
      const len = this.buf.readUInt16BE(2);
      if (len < OFP_HEADER_LEN) return this.fail(new OpenFlowDecodeError(`message length ${len} is shorter than the 8-byte header`));
      if (this.buf.length < len) break;
      const msg = this.buf.subarray(0, len);
      this.buf = this.buf.subarray(len);
      try {
        this.onMessage(this, msg);
      } catch (e) {
        return this.fail(e);
      }
    }
  }

  /** A message that could not be handled ends this switch's connection, not the process. */
  private fail(e: unknown) {
    const err = e instanceof Error ? e : new Error(String(e));
    // anything but our own error types is a bug in the controller: keep its stack
    const what = err instanceof OpenFlowBaseError ? `${err.name}: ${err.message}` : `internal error: ${err.stack ?? err.message}`;
    this.log(`dropping switch ${this.peer}: ${what}`);
    this.close(err);
  }

  send(msg: Buffer | Buffer[]) {
    if (this.closed) throw new ChannelClosedError('switch disconnected');
    this.socket.write(Array.isArray(msg) ? Buffer.concat(msg) : msg);
  }

  close(err: Error) {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.onClose(this);
  }
}

export class OpenFlowChannel extends EventEmitter {
  private server: Server | null = null;
  private conn: Connection | null = null;
  private ready: Connection | null = null;
  private xid = 1;
  private seq = 0;
  private echoTimer: NodeJS.Timeout | null = null;
  private lastHeard = 0;
  /** What should be on the switch: re-installed whenever it (re)connects. */
  readonly desired = new Map<bigint, Flow[]>();
  features: FeaturesReply | null = null;
  private readyWaiters: Array<() => void> = [];
  private readonly log: (m: string) => void;

  constructor(private readonly o: ChannelOptions = {}) {
    super();
    this.log = o.log ?? (() => {});
  }

  /** Starts listening; resolves with the port actually bound. */
  async listen(): Promise<number> {
    const server = createServer((s) => this.accept(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port ?? 6653, this.o.host ?? '127.0.0.1', () => resolve());
    });
    const interval = this.o.echoIntervalMs ?? 5000;
    this.echoTimer = setInterval(() => this.probe(), interval);
    this.echoTimer.unref();
    return (server.address() as AddressInfo).port;
  }

  get connected(): boolean {
    return this.ready !== null;
  }

  /** Stops listening and drops the switch; pending requests reject with ChannelClosedError. */
  async close(): Promise<void> {
    if (this.echoTimer) clearInterval(this.echoTimer);
    this.conn?.close(new ChannelClosedError('controller closed'));
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server = null;
  }

  private accept(socket: Socket) {
    // one switch per channel: a new connection from it replaces the old one (its restart)
    this.conn?.close(new ChannelClosedError('switch reconnected'));
    const c = new Connection(socket, (cc, m) => this.message(cc, m), (cc) => this.lost(cc), this.log);
    this.conn = c;
    this.lastHeard = Date.now();
    this.log(`switch connected from ${socket.remoteAddress}:${socket.remotePort}`);
    c.send(encodeHello(this.nextXid()));
  }

  private lost(c: Connection) {
    if (this.conn === c) this.conn = null;
    if (this.ready === c) {
      this.ready = null;
      this.features = null;
      this.emit('disconnected');
    }
  }

  private nextXid(): number {
    this.xid = (this.xid % 0xfffffff0) + 1;
    return this.xid;
  }

  /** One whole message; throws OpenFlowDecodeError for one that is malformed (the connection then closes). */
  private message(c: Connection, msg: Buffer) {
    this.lastHeard = Date.now();
    const h = checkFromSwitch(msg);
    if (h.type === OFPT.HELLO) return this.hello(c, msg);
    if (!c.greeted) throw new OpenFlowDecodeError(`message type ${h.type} before the switch's HELLO`);
    switch (h.type) {
      case OFPT.ECHO_REQUEST:
        return c.send(encodeEchoReply(h.xid, msg.subarray(OFP_HEADER_LEN, h.length)));
      case OFPT.ERROR: {
        const e = parseError(msg);
        const p = c.pending.get(h.xid);
        const name = errorName(e.type, e.code);
        if (!p) return this.log(`switch error ${name} for xid ${h.xid}`);
        c.pending.delete(h.xid);
        const what = p.flow ? `switch refused flow ${flowKey(p.flow)}: ${name}` : `switch refused the request: ${name}`;
        return p.reject(new OpenFlowError(what, e.type, e.code, p.flow));
      }
      case OFPT.MULTIPART_REPLY: {
        const more = parseMultipartReply(msg).flags & OFPMPF_REPLY_MORE;
        const p = c.pending.get(h.xid);
        if (!p) return;
        p.parts.push(msg);
        if (more) return;
        c.pending.delete(h.xid);
        return p.resolve(p.parts);
      }
      case OFPT.BARRIER_REPLY: {
        const p = c.pending.get(h.xid);
        if (!p) return;
        for (const [xid, q] of c.pending)
          if (q.noReply && q.seq < p.seq) {
            c.pending.delete(xid);
            q.resolve([]);
          }
        c.pending.delete(h.xid);
        return p.resolve([msg]);
      }
      case OFPT.FEATURES_REPLY:
        parseFeaturesReply(msg); // checked here, so a bad one closes the connection like any other
        return this.answer(c, h.xid, msg);
      case OFPT.ECHO_REPLY:
        return this.answer(c, h.xid, msg);
      default:
        return; // packet-in, port-status, flow-removed: openflowd does not use them
    }
  }

  /** A single-message reply: resolves its request, if one is waiting. */
  private answer(c: Connection, xid: number, msg: Buffer) {
    const p = c.pending.get(xid);
    if (!p) return;
    c.pending.delete(xid);
    p.resolve([msg]);
  }

  private hello(c: Connection, msg: Buffer) {
    const versions = parseHelloVersions(msg);
    if (c.greeted) return;
    if (!versions.includes(OFP_VERSION)) {
      const text = Buffer.from(`this controller speaks OpenFlow 1.3 only; the switch offers versions ${versions.join(',')}`);
      c.send(encodeError(msg.readUInt32BE(4), { type: OFPET.HELLO_FAILED, code: OFPHFC_INCOMPATIBLE, data: text }));
      this.log(text.toString());
      return c.close(new ChannelClosedError(text.toString()));
    }
    c.greeted = true;
    void this.handshake(c);
  }

  private async handshake(c: Connection) {
    try {
      const [reply] = await this.request(c, encodeFeaturesRequest, 10_000);
      this.features = parseFeaturesReply(reply);
      // the switch's tables are whatever it kept: make them what we want again
      for (const [cookie, flows] of this.desired) {
        await this.deleteOn(c, cookie);
        await this.addOn(c, cookie, flows);
      }
      if (c.closed) return;
      this.ready = c;
      this.log(`switch ready: datapath 0x${this.features.datapathId.toString(16)}, ${this.desired.size} allocation(s) installed`);
      this.emit('ready', this.features);
      for (const w of this.readyWaiters.splice(0)) w();
    } catch (e) {
      this.log(`handshake failed: ${(e as Error).message}`);
      c.close(e as Error);
    }
  }

  private probe() {
    const c = this.ready;
    if (!c) return;
    const timeout = this.o.echoTimeoutMs ?? 15_000;
    if (Date.now() - this.lastHeard > timeout) return c.close(new ChannelClosedError(`switch silent for ${timeout} ms`));
    this.request(c, encodeEchoRequest, timeout).catch(() => {});
  }

  private request(c: Connection, make: (xid: number) => Buffer, timeoutMs = 30_000, flow?: Flow, noReply = false): Promise<Buffer[]> {
    const xid = this.nextXid();
    const seq = ++this.seq;
    return new Promise<Buffer[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        c.pending.delete(xid);
        reject(new ChannelClosedError(`switch did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      c.pending.set(xid, {
        resolve: (m) => { clearTimeout(timer); resolve(m); },
        reject: (e) => { clearTimeout(timer); reject(e); },
        parts: [],
        flow,
        noReply,
        seq,
      });
      try {
        c.send(make(xid));
      } catch (e) {
        c.pending.delete(xid);
        clearTimeout(timer);
        reject(e as Error);
      }
    });
  }

  /** The ready switch, waiting up to connectTimeoutMs for one. */
  private async switch(): Promise<Connection> {
    if (this.ready) return this.ready;
    const ms = this.o.connectTimeoutMs ?? 10_000;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== done);
        reject(new ChannelClosedError(`no switch connected to the controller within ${ms} ms (ovs-vsctl set-controller BRIDGE tcp:HOST:PORT)`));
      }, ms);
      const done = () => { clearTimeout(t); resolve(); };
      this.readyWaiters.push(done);
    });
    return this.ready!;
  }

  /** Sends every flow_mod then a barrier: resolves when all are in, rejects with the first refusal. */
  private async addOn(c: Connection, cookie: bigint, flows: Flow[]): Promise<void> {
    const mods = flows.map((f) =>
      this.request(c, (xid) => encodeFlowMod(xid, { ...f, cookie, command: OFPFC.ADD }), 30_000, f, true).then(() => null, (e: Error) => e),
    );
    await this.request(c, encodeBarrierRequest);
    const first = (await Promise.all(mods)).find((e) => e !== null);
    if (first) throw first;
  }

  private async deleteOn(c: Connection, cookie: bigint): Promise<void> {
    const del = this.request(
      c,
      (xid) => encodeFlowMod(xid, { cookie, cookieMask: 0xffffffffffffffffn, table: OFPTT_ALL, command: OFPFC.DELETE, priority: 0, match: {}, actions: [] }),
      30_000, undefined, true,
    ).then(() => null, (e: Error) => e);
    await this.request(c, encodeBarrierRequest);
    const err = await del;
    if (err) throw err;
  }

  /** Installs flows under a cookie, confirmed by a barrier; on a refusal removes that cookie's flows again and rethrows. */
  async addFlows(cookie: bigint, flows: Flow[]): Promise<void> {
    const c = await this.switch();
    try {
      await this.addOn(c, cookie, flows);
    } catch (e) {
      if (!c.closed) await this.deleteOn(c, cookie).catch(() => {});
      throw e;
    }
    this.desired.set(cookie, [...(this.desired.get(cookie) ?? []), ...flows]);
  }

  /** Removes every flow carrying exactly this cookie (in all tables), confirmed by a barrier. */
  async deleteFlows(cookie: bigint): Promise<void> {
    this.desired.delete(cookie);
    await this.deleteOn(await this.switch(), cookie);
  }

  async dumpFlows(): Promise<FlowEntry[]> {
    const parts = await this.request(await this.switch(), (xid) => encodeFlowStatsRequest(xid));
    return parts.flatMap((m) => parseFlowStats(parseMultipartReply(m).body));
  }

  async portStats(): Promise<PortStats[]> {
    const parts = await this.request(await this.switch(), (xid) => encodePortStatsRequest(xid));
    return parts.flatMap((m) => parsePortStats(parseMultipartReply(m).body));
  }

  async ports(): Promise<PortDesc[]> {
    const parts = await this.request(await this.switch(), (xid) => encodePortDescRequest(xid));
    return parts.flatMap((m) => parsePortDesc(parseMultipartReply(m).body));
  }

  /** Resolves once a switch has connected and the desired flows are on it. */
  async waitReady(): Promise<void> {
    await this.switch();
  }
}
