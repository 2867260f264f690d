// Golden messages: bytes Open vSwitch itself sent our native driver (captured by
// test/support/capture-openflow.ts into test/fixtures/openflow/), checked against the
// parser, and re-encoded by our encoders byte for byte where we have one for the
// message (as Ryu checks its parser against captured packets). A replay of the capture
// into a live channel shows the channel's checks accept what a real switch sends.
import t from 'tap';
import { connect } from 'node:net';
import { FROM_SWITCH, OFPET, OFPFC, OFPMP, OFPMPF_REPLY_MORE, OFPPR, OFPT, SIZES } from '../../controller/openflow/constants.js';
import { OpenFlowChannel } from '../../controller/openflow/channel.js';
import {
  checkFromSwitch, encodeBarrierReply, encodeEchoReply, encodeEchoRequest, encodeError, encodeFeaturesReply, encodeFlowMod,
  encodeHello, encodeInstructions, encodeMatch, parseError, parseFeaturesReply, parseFlowMod, parseFlowStats, parseHeader, parseHelloVersions,
  parseMatch, parseMultipartReply, parsePortDesc, parsePortStats, parsePortStatus,
} from '../../controller/openflow/messages.js';
import { normaliseDump } from '../../controller/openflow/model.js';
import {
  GOLDEN_ADDED_PORT, GOLDEN_COOKIE, GOLDEN_ECHO_DATA, GOLDEN_ECHO_XID, GOLDEN_PORTS, goldenFlows, goldenRefused, readGoldenMessages, readMeta,
} from '../support/openflow-golden.js';

const meta = readMeta();
const one = (name: string) => {
  const msgs = readGoldenMessages(name);
  if (msgs.length !== 1) throw new Error(`${name}: ${msgs.length} messages, expected 1`);
  return msgs[0]!;
};
const [portA, portB] = GOLDEN_PORTS.map((p) => meta.ports[p]!) as [number, number];
const xid = (m: Buffer) => parseHeader(m).xid;

/** The OXM TLVs of an ofp_match, as hex strings (their order is the encoder's choice). */
function oxmTlvs(buf: Buffer, off: number): string[] {
  const len = buf.readUInt16BE(off + 2);
  const out: string[] = [];
  for (let p = off + 4; p < off + len; p += 4 + buf[p + 3]!) out.push(buf.subarray(p, p + 4 + buf[p + 3]!).toString('hex'));
  return out.sort();
}

t.test('the capture is from Open vSwitch, and every message passes the channel\'s checks', async (t) => {
  t.match(meta.ovsVersion, /Open vSwitch/);
  const names = Object.keys(meta.messages);
  t.equal(names.length, 10);
  for (const name of names)
    for (const m of readGoldenMessages(name)) {
      const h = checkFromSwitch(m);
      t.equal(h.version, 4, `${name}: OpenFlow 1.3`);
      t.ok(FROM_SWITCH[h.type], `${name}: a type a switch sends`);
    }
});

t.test('HELLO, FEATURES_REPLY, BARRIER_REPLY, ECHO re-encode byte for byte', async (t) => {
  const hello = one('hello');
  t.same(parseHelloVersions(hello), [4], 'the bitmap offers 1.3 only');
  t.same(encodeHello(xid(hello)), hello, 'hello');

  const fr = one('features-reply');
  const f = parseFeaturesReply(fr);
  t.equal(f.datapathId, BigInt(`0x${meta.datapathId}`), 'the bridge\'s datapath id');
  t.ok(f.nTables > 0);
  t.same(encodeFeaturesReply(xid(fr), f), fr, 'features reply');

  const br = one('barrier-reply');
  t.same(encodeBarrierReply(xid(br)), br, 'barrier reply');

  const er = one('echo-reply');
  t.equal(xid(er), GOLDEN_ECHO_XID);
  t.same(er.subarray(8), GOLDEN_ECHO_DATA, 'the echo reply carries our data back');
  t.same(encodeEchoReply(xid(er), er.subarray(8)), er, 'echo reply');
  const eq = one('echo-request');
  t.same(encodeEchoRequest(xid(eq), eq.subarray(8)), eq, 'echo request');
});

t.test('ERROR for a refused flow: parsed, re-encoded, and it quotes our flow_mod byte for byte', async (t) => {
  const m = one('error-bad-out-group');
  const e = parseError(m);
  t.equal(e.type, OFPET.BAD_ACTION);
  t.equal(e.code, 9, 'OFPBAC_BAD_OUT_GROUP');
  t.same(encodeError(xid(m), e), m, 'error');
  const fm = parseFlowMod(e.data);
  const refused = goldenRefused(portA);
  t.match(fm, { cookie: GOLDEN_COOKIE + 1n, command: OFPFC.ADD, table: refused.table, priority: refused.priority });
  t.same(fm.match, refused.match);
  t.same(fm.actions, refused.actions);
  t.same(encodeFlowMod(xid(e.data), { ...refused, cookie: GOLDEN_COOKIE + 1n, command: OFPFC.ADD }), e.data, 'the quoted request is what our encoder sends');
});

t.test('multipart replies: port description, port stats, flow stats', async (t) => {
  const parts = (name: string, type: number) => {
    const ms = readGoldenMessages(name).map(parseMultipartReply);
    t.ok(ms.every((p) => p.type === type), `${name}: multipart type ${type}`);
    t.ok(ms.slice(0, -1).every((p) => p.flags & OFPMPF_REPLY_MORE) && !(ms.at(-1)!.flags & OFPMPF_REPLY_MORE), `${name}: REPLY_MORE on every part but the last`);
    return ms.map((p) => p.body);
  };
  const desc = parts('port-desc-reply', OFPMP.PORT_DESC).flatMap(parsePortDesc);
  for (const p of GOLDEN_PORTS) t.same(desc.find((d) => d.name === p), { port: meta.ports[p], name: p }, `port ${p}`);
  t.ok(desc.some((d) => d.port === 'LOCAL'), 'and the bridge\'s own port');

  const stats = parts('port-stats-reply', OFPMP.PORT_STATS).flatMap(parsePortStats);
  t.same(stats.map((s) => s.port).sort(), desc.map((d) => d.port).sort(), 'stats for every described port');

  const bodies = parts('flow-stats-reply', OFPMP.FLOW);
  const entries = bodies.flatMap(parseFlowStats).filter((e) => e.cookie === GOLDEN_COOKIE);
  const expected = goldenFlows(portA, portB).map((f) => ({ ...f, cookie: GOLDEN_COOKIE, packets: 0n, bytes: 0n }));
  t.same(normaliseDump(entries), normaliseDump(expected), 'the installed flows, every match field and action');
  // each entry's instructions re-encode byte for byte; its match holds exactly the OXM
  // fields our encoder writes (Open vSwitch orders them its own way)
  let checked = 0;
  for (const body of bodies)
    for (let off = 0; off < body.length; off += body.readUInt16BE(off)) {
      const entry = body.subarray(off, off + body.readUInt16BE(off));
      const [e] = parseFlowStats(entry);
      const { size } = parseMatch(entry, SIZES.FLOW_STATS_FIXED);
      t.same(encodeInstructions(e!.actions), entry.subarray(SIZES.FLOW_STATS_FIXED + size), `instructions of priority ${e!.priority}`);
      const ours = encodeMatch(e!.match);
      t.same(oxmTlvs(ours, 0), oxmTlvs(entry, SIZES.FLOW_STATS_FIXED), `match fields of priority ${e!.priority}`);
      t.equal(ours.length, size, 'same padded match length');
      checked++;
    }
  t.equal(checked, expected.length, 'every entry checked');
});

t.test('PORT_STATUS for a port added while connected', async (t) => {
  const ps = parsePortStatus(one('port-status-add'));
  t.equal(ps.reason, OFPPR.ADD);
  t.same(ps.port, { port: meta.ports[GOLDEN_ADDED_PORT], name: GOLDEN_ADDED_PORT });
});

t.test('the captured switch replayed into a live channel: handshake, port status and probe, no drop', async (t) => {
  const logs: string[] = [];
  const ch = new OpenFlowChannel({ port: 0, log: (m) => logs.push(m), echoIntervalMs: 60_000 });
  t.teardown(() => ch.close());
  const sock = connect(await ch.listen(), '127.0.0.1');
  t.teardown(() => sock.destroy());
  let buf = Buffer.alloc(0);
  let echoed: Buffer | undefined;
  sock.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 8 && buf.length >= buf.readUInt16BE(2)) {
      const m = buf.subarray(0, buf.readUInt16BE(2));
      buf = buf.subarray(m.length);
      if (m[1] === OFPT.FEATURES_REQUEST) {
        // the captured reply, under the xid this channel asked with
        const fr = Buffer.from(one('features-reply'));
        fr.writeUInt32BE(xid(m), 4);
        sock.write(fr);
      }
      if (m[1] === OFPT.ECHO_REPLY) echoed = m;
    }
  });
  await new Promise((r) => sock.once('connect', r));
  sock.write(one('hello'));
  await ch.waitReady();
  t.equal(ch.features?.datapathId, BigInt(`0x${meta.datapathId}`));
  sock.write(Buffer.concat([one('port-status-add'), one('echo-request'), one('barrier-reply'), one('error-bad-out-group')]));
  for (let i = 0; i < 100 && !echoed; i++) await new Promise((r) => setTimeout(r, 20));
  t.ok(echoed && xid(echoed) === xid(one('echo-request')), 'the switch\'s probe is answered');
  t.ok(ch.connected, 'still connected');
  t.same(logs.filter((l) => l.startsWith('dropping')), [], 'nothing the real switch sent was refused');
});
