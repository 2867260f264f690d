// Hostile switches: a seeded (reproducible) set of thousands of malformed OpenFlow
// messages — truncated, oversized, of the wrong version, type or length, split across
// writes, sent before HELLO or after the handshake — each on its own connection to one
// controller channel in this process. Every one must close its connection (with the
// reason logged when the bytes were at fault), nothing may escape as an exception, and a
// well-behaved switch must still get through the handshake and install flows afterwards.
// A codec-level pass feeds bit-flipped messages to every parser: each either parses or
// throws OpenFlowDecodeError, never a RangeError from reading past the end.
import t from 'tap';
import { connect, type Socket } from 'node:net';
import { FROM_SWITCH, OFPT, OFP_VERSION, SIZES } from '../../controller/openflow/constants.js';
import { OpenFlowChannel } from '../../controller/openflow/channel.js';
import { OpenFlowDecodeError } from '../../controller/openflow/errors.js';
import {
  checkFromSwitch, encodeBarrierReply, encodeEchoReply, encodeEchoRequest, encodeError, encodeFeaturesReply, encodeFlowMod,
  encodeHello, parseActions, parseError, parseFeaturesReply, parseFlowMod, parseFlowStats, parseHeader, parseHelloVersions,
  parseInstructions, parseMatch, parseMultipartReply, parsePortDesc, parsePortStats, parsePortStatus,
} from '../../controller/openflow/messages.js';
import { rng, type Prng } from '../support/prng.js';

const FEATURES = { datapathId: 0x42n, nBuffers: 0, nTables: 254, auxiliaryId: 0, capabilities: 0x4f };

function withHeader(type: number, xid: number, body: Buffer, version = OFP_VERSION): Buffer {
  const h = Buffer.alloc(8);
  h[0] = version;
  h[1] = type;
  h.writeUInt16BE(8 + body.length, 2);
  h.writeUInt32BE(xid, 4);
  return Buffer.concat([h, body]);
}

function portStruct(no: number, name: string): Buffer {
  const p = Buffer.alloc(SIZES.PORT);
  p.writeUInt32BE(no, 0);
  p.write(name, 16, 'latin1');
  return p;
}

/** Valid switch-to-controller messages of every type the channel accepts. */
function templates(r: Prng): Record<string, Buffer> {
  const portStatus = Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]), portStruct(3, 'veth-x')]);
  // buffer_id, total_len, reason, table_id, cookie, an empty match, 2 bytes of padding, the packet
  const packetIn = Buffer.concat([Buffer.from('ffffffff 0040 00 00 0000000000000000 0001 0004 00000000 0000'.replace(/ /g, ''), 'hex'), r.bytes(64)]);
  return {
    hello: encodeHello(r.int(1 << 30)),
    echoRequest: encodeEchoRequest(r.int(1 << 30), r.bytes(r.int(32))),
    echoReply: encodeEchoReply(r.int(1 << 30), r.bytes(r.int(32))),
    error: encodeError(r.int(1 << 30), { type: 1, code: 6, data: r.bytes(r.int(64)) }),
    featuresReply: encodeFeaturesReply(r.int(1 << 30), FEATURES),
    barrierReply: encodeBarrierReply(r.int(1 << 30)),
    multipartReply: withHeader(OFPT.MULTIPART_REPLY, r.int(1 << 30), Buffer.concat([Buffer.from('000d000000000000', 'hex'), portStruct(1, 'p1')])),
    portStatus: withHeader(OFPT.PORT_STATUS, 0, portStatus),
    packetIn: withHeader(OFPT.PACKET_IN, 0, packetIn),
    getConfigReply: withHeader(OFPT.GET_CONFIG_REPLY, r.int(1 << 30), Buffer.from('0000ffff', 'hex')),
  };
}

const setLength = (m: Buffer, n: number) => {
  const c = Buffer.from(m);
  c.writeUInt16BE(n, 2);
  return c;
};

interface Case {
  kind: string;
  /** the bytes, in the writes they are sent in */
  writes: Buffer[];
  /** HELLO first; 'ready' also answers FEATURES_REQUEST so the switch is fully connected */
  before: 'nothing' | 'hello' | 'ready';
  /** the client half-closes after writing (a message that never completes) */
  end?: boolean;
  /** the channel is expected to log a decode error (not so for a refused version or an unfinished message) */
  decodeError: boolean;
}

/** Splits bytes into 1..3 writes at random points: the framer must not care. */
function chunks(r: Prng, b: Buffer): Buffer[] {
  const n = 1 + r.int(3);
  const cuts = Array.from({ length: n - 1 }, () => r.int(b.length + 1)).sort((a, c) => a - c);
  const out: Buffer[] = [];
  let at = 0;
  for (const c of [...cuts, b.length]) {
    out.push(b.subarray(at, c));
    at = c;
  }
  return out.filter((x) => x.length > 0);
}

function generate(seed: number): Case[] {
  const r = rng(seed);
  const cases: Case[] = [];
  const before = (): Case['before'] => (r.next() < 0.25 ? 'ready' : 'hello');
  const add = (kind: string, bytes: Buffer, o: Partial<Case> = {}) => {
    const b = o.before ?? before();
    // sometimes a valid message first, in the same stream: the bad one must still be caught
    const lead = b !== 'nothing' && r.next() < 0.3 ? encodeEchoRequest(r.int(1000), r.bytes(r.int(8))) : Buffer.alloc(0);
    cases.push({ kind, writes: chunks(r, Buffer.concat([lead, bytes])), decodeError: true, ...o, before: b });
  };
  // the first case is the classic: an 8-byte ERROR right after HELLO
  cases.push({ kind: 'truncated error (8 bytes)', writes: [withHeader(OFPT.ERROR, 1, Buffer.alloc(0))], before: 'hello', decodeError: true });
  for (let i = 0; i < 400; i++) {
    // shorter than its type's struct, the header's length saying so
    const T = templates(r);
    const name = r.pick(['error', 'featuresReply', 'multipartReply', 'portStatus', 'packetIn', 'getConfigReply']);
    const m = T[name]!;
    const min = FROM_SWITCH[m[1]!]!.size;
    const k = 8 + r.int(min - 8);
    add(`truncated ${name}`, setLength(m.subarray(0, k), k));
  }
  for (let i = 0; i < 300; i++) {
    // a fixed-size message with bytes after its struct (up to the 64 KiB a length can say)
    const T = templates(r);
    const name = r.pick(['featuresReply', 'barrierReply', 'portStatus', 'getConfigReply']);
    const extra = r.next() < 0.1 ? 65535 - T[name]!.length : 1 + r.int(200);
    const m = Buffer.concat([T[name]!, r.bytes(extra)]);
    add(`oversized ${name}`, setLength(m, m.length));
  }
  for (let i = 0; i < 300; i++) {
    // any message but HELLO must be OpenFlow 1.3 (0x04)
    const T = templates(r);
    const name = r.pick(Object.keys(T).filter((k) => k !== 'hello'));
    const m = Buffer.from(T[name]!);
    do m[0] = r.int(256); while (m[0] === OFP_VERSION);
    add(`wrong version ${name}`, m);
  }
  for (let i = 0; i < 100; i++) add('hello of version 0', (() => { const m = encodeHello(1); m[0] = 0; return m; })(), { before: 'nothing' });
  for (let i = 0; i < 150; i++) {
    // a HELLO whose bitmap leaves out 1.3: refused with HELLO_FAILED (logged as such, not a decode error)
    const versions = [1, 2, 3, 5, 6].filter(() => r.next() < 0.5);
    add('hello without 1.3', encodeHello(r.int(1000), versions.length ? versions : [1]), { before: 'nothing', decodeError: false });
  }
  for (let i = 0; i < 300; i++) {
    // a length below the header's own 8 bytes: nothing after it can be framed
    const T = templates(r);
    const m = setLength(T[r.pick(Object.keys(T))]!, r.int(8));
    add('length below 8', m, { before: r.pick(['nothing', 'hello', 'ready'] as const) });
  }
  for (let i = 0; i < 300; i++) {
    // a HELLO element that overruns the message, or is shorter than its own header
    const m = Buffer.from(encodeHello(r.int(1000)));
    if (r.next() < 0.5) m.writeUInt16BE(9 + r.int(1000), 10);
    else m.writeUInt16BE(r.int(4), 10);
    add('hello element overrun', m, { before: 'nothing' });
  }
  for (let i = 0; i < 300; i++) {
    // types a switch never sends a controller, or that do not exist
    const type = r.next() < 0.5 ? r.pick([5, 7, 9, 13, 14, 15, 16, 17, 18, 20, 22, 24, 26, 28, 29]) : 30 + r.int(226);
    add('wrong type', withHeader(type, r.int(1000), r.bytes(r.int(64))));
  }
  for (let i = 0; i < 200; i++) {
    // anything but HELLO first
    const T = templates(r);
    add('before hello', T[r.pick(Object.keys(T).filter((k) => k !== 'hello'))]!, { before: 'nothing' });
  }
  for (let i = 0; i < 300; i++) {
    // a message whose declared length never arrives: the switch gives up and half-closes
    const T = templates(r);
    const m = T[r.pick(Object.keys(T))]!;
    const declared = m.length + 1 + r.int(2000);
    const sent = r.int(Math.min(declared, m.length + 1));
    add('unfinished', setLength(m, declared).subarray(0, sent), { end: true, decodeError: false });
  }
  return cases;
}

/** A switch connection: sends the case's bytes, resolves with how the connection ended. */
async function runCase(port: number, c: Case): Promise<string> {
  const sock: Socket = connect(port, '127.0.0.1');
  sock.on('error', () => {});
  let buf = Buffer.alloc(0);
  let ended = false;
  const closed = new Promise<void>((resolve) => sock.once('close', () => resolve()));
  let onMsg: ((m: Buffer) => void) | null = null;
  sock.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 8 && buf.length >= buf.readUInt16BE(2)) {
      const m = buf.subarray(0, buf.readUInt16BE(2));
      buf = buf.subarray(m.length);
      onMsg?.(m);
    }
  });
  await new Promise((r) => sock.once('connect', r));
  if (c.before !== 'nothing') {
    const ready = new Promise<void>((resolve) => {
      onMsg = (m) => {
        if (m[1] === OFPT.FEATURES_REQUEST) {
          sock.write(encodeFeaturesReply(m.readUInt32BE(4), FEATURES));
          resolve();
        }
      };
    });
    sock.write(encodeHello(1));
    if (c.before === 'ready') await ready;
  }
  for (const w of c.writes) sock.write(w);
  if (c.end) {
    ended = true;
    sock.end();
  }
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000).unref());
  const how = await Promise.race([closed.then(() => (ended ? 'closed after end' : 'closed by controller')), timer]);
  sock.destroy();
  return how;
}

t.test('thousands of malformed messages: each connection closed, the controller lives on', async (t) => {
  const crashes: unknown[] = [];
  const onCrash = (e: unknown) => crashes.push(e);
  process.on('uncaughtException', onCrash);
  t.teardown(() => void process.off('uncaughtException', onCrash));
  // a channel takes one switch at a time (a new connection replaces the old): the cases
  // run in lanes, each a channel of its own taking its cases one after another
  const LANES = 8;
  const lanes = await Promise.all(Array.from({ length: LANES }, async () => {
    const logs: string[] = [];
    const ch = new OpenFlowChannel({ port: 0, log: (m) => logs.push(m), echoIntervalMs: 60_000 });
    t.teardown(() => ch.close());
    return { ch, logs, port: await ch.listen() };
  }));

  const cases = generate(0x0f10);
  t.ok(cases.length >= 2500, `${cases.length} cases`);
  const problems: string[] = [];
  const tally = new Map<string, number>();
  await Promise.all(lanes.map(async ({ logs, port }, lane) => {
    for (let i = lane; i < cases.length && !crashes.length; i += LANES) {
      const c = cases[i]!;
      const from = logs.length;
      const how = await runCase(port, c);
      const said = logs.slice(from);
      const kind = c.kind.split(' ').slice(0, 2).join(' ');
      tally.set(kind, (tally.get(kind) ?? 0) + 1);
      const expected = c.end ? 'closed after end' : 'closed by controller';
      if (how !== expected) problems.push(`#${i} ${c.kind}: ${how}`);
      const dropped = said.filter((l) => l.startsWith('dropping switch'));
      if (said.some((l) => l.includes('internal error'))) problems.push(`#${i} ${c.kind}: ${said.join(' | ')}`);
      if (c.decodeError && !dropped.some((l) => /OpenFlowDecodeError: /.test(l))) problems.push(`#${i} ${c.kind}: no decode error logged (${said.join(' | ')})`);
      if (c.kind === 'hello without 1.3' && !said.some((l) => /OpenFlow 1\.3 only/.test(l))) problems.push(`#${i} ${c.kind}: no HELLO_FAILED reason logged`);
    }
  }));
  t.same(problems.slice(0, 20), [], 'every bad connection was closed, with its reason logged');
  t.same(crashes.map(String), [], 'no exception escaped the channel');
  t.ok(lanes.every((l) => !l.ch.connected), 'no hostile switch is left connected');
  t.comment([...tally].map(([k, n]) => `${k}: ${n}`).join(', '));
  t.match(lanes[0]!.logs.find((l) => l.startsWith('dropping switch')), /^dropping switch 127\.0\.0\.1:\d+: OpenFlowDecodeError: message type 1 of 8 bytes, expected at least 12$/,
    'the 8-byte ERROR is refused by its size, and the reason logged');
  const { ch, port } = lanes[0]!;

  // a well-behaved switch afterwards: handshake, echo, a flow install confirmed by a barrier
  const sock = connect(port, '127.0.0.1');
  t.teardown(() => sock.destroy());
  let buf = Buffer.alloc(0);
  const got: Buffer[] = [];
  sock.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 8 && buf.length >= buf.readUInt16BE(2)) {
      const m = buf.subarray(0, buf.readUInt16BE(2));
      buf = buf.subarray(m.length);
      got.push(m);
      if (m[1] === OFPT.FEATURES_REQUEST) sock.write(encodeFeaturesReply(m.readUInt32BE(4), FEATURES));
      if (m[1] === OFPT.BARRIER_REQUEST) sock.write(encodeBarrierReply(m.readUInt32BE(4)));
    }
  });
  await new Promise((r) => sock.once('connect', r));
  sock.write(encodeHello(1));
  await ch.waitReady();
  t.equal(ch.features?.datapathId, 0x42n, 'a good switch connects after the hostile ones');
  sock.write(encodeEchoRequest(0x77, Buffer.from('still here')));
  await ch.addFlows(0x5n, [{ table: 0, priority: 10, match: { inPort: 1 }, actions: [{ type: 'output', port: 2 }] }]);
  const echo = got.find((m) => m[1] === OFPT.ECHO_REPLY);
  t.same(echo?.subarray(8), Buffer.from('still here'), 'its echo is answered');
  t.equal(parseFlowMod(got.find((m) => m[1] === OFPT.FLOW_MOD)!).cookie, 0x5n, 'and its flow installed');
  t.ok(ch.connected);
});

t.test('every parser either parses or throws OpenFlowDecodeError, whatever the bytes', async (t) => {
  const r = rng(0xc0dec);
  const flowMod = encodeFlowMod(9, {
    cookie: 1n, table: 0, command: 0, priority: 5,
    match: { inPort: 1, ethType: 0x0800, ipProto: 17, ipv4Src: { addr: '10.0.0.0', len: 8 }, udpDst: 53 },
    actions: [{ type: 'push_vlan', ethertype: 0x8100 }, { type: 'set_vlan_vid', vid: 7 }, { type: 'output', port: 2 }, { type: 'group', group: 1 }],
  });
  // a flow stats entry: its fixed part, then the flow_mod's match and instructions
  const tail = flowMod.subarray(SIZES.FLOW_MOD_FIXED);
  const matchSize = parseMatch(tail, 0).size;
  const entry = Buffer.concat([Buffer.alloc(SIZES.FLOW_STATS_FIXED), tail]);
  entry.writeUInt16BE(entry.length, 0);
  const T = templates(r);
  const samples: Array<[string, Buffer, (b: Buffer) => unknown]> = [
    ['checkFromSwitch', T.featuresReply!, checkFromSwitch],
    ['header', T.barrierReply!, parseHeader],
    ['hello', T.hello!, parseHelloVersions],
    ['error', T.error!, parseError],
    ['features', T.featuresReply!, parseFeaturesReply],
    ['multipart', T.multipartReply!, parseMultipartReply],
    ['port status', T.portStatus!, parsePortStatus],
    ['flow_mod', flowMod, parseFlowMod],
    ['match', tail, (b) => parseMatch(b, 0)],
    ['instructions', tail.subarray(matchSize), (b) => parseInstructions(b, 0, b.length)],
    ['actions', tail.subarray(matchSize + 8), (b) => parseActions(b, 0, b.length)],
    ['flow stats', entry, parseFlowStats],
    ['port desc', portStruct(2, 'p2'), parsePortDesc],
    ['port stats', Buffer.alloc(SIZES.PORT_STATS), parsePortStats],
  ];
  for (const [name, good, parse] of samples) t.doesNotThrow(() => parse(good), `the unmutated ${name} parses`);
  const wrong: string[] = [];
  let refused = 0;
  for (let i = 0; i < 20_000; i++) {
    const [name, good, parse] = r.pick(samples);
    let b = Buffer.from(good);
    const flips = 1 + r.int(4);
    for (let f = 0; f < flips; f++) {
      const op = r.int(4);
      if (op === 0 && b.length) b[r.int(b.length)] = r.int(256);
      else if (op === 1) b = b.subarray(0, r.int(b.length + 1));
      else if (op === 2) b = Buffer.concat([b, r.bytes(1 + r.int(16))]);
      else if (b.length > 4) b.writeUInt16BE(r.int(65536), r.pick([2, r.int(b.length - 1)]));
    }
    try {
      parse(b);
    } catch (e) {
      if (e instanceof OpenFlowDecodeError) refused++;
      else if (wrong.length < 10) wrong.push(`${name} ${b.toString('hex')}: ${(e as Error).name}: ${(e as Error).message}`);
    }
  }
  t.same(wrong, [], 'no parser throws anything but OpenFlowDecodeError');
  t.ok(refused > 5000, `${refused} of 20000 mutated messages refused`);
});
