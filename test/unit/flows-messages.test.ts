// The OpenFlow 1.3 codec against byte layouts worked out by hand from the spec's structs
// (ofp_header, ofp_hello_elem_versionbitmap, ofp_switch_features, ofp_flow_mod, ofp_match
// with OXM TLVs, ofp_instruction_actions, ofp_action_*, ofp_multipart_request,
// ofp_flow_stats_request, ofp_port_stats_request, ofp_error_msg, ofp_flow_stats, ofp_port_stats).
import t from 'tap';
import { OFPFC, OFPT } from '../../controller/openflow/constants.js';
import {
  OpenFlowDecodeError, checkFromSwitch, encodeAction, encodeBarrierRequest, encodeEchoRequest, encodeFeaturesRequest, encodeFlowMod,
  encodeFlowStatsRequest, encodeHello, encodeMatch, encodePortStatsRequest, parseError, parseFeaturesReply, parseFlowMod,
  parseFlowStats, parseHeader, parseHelloVersions, parseMatch, parsePortDesc, parsePortStats,
  parseActions, parsePortStatus,
} from '../../controller/openflow/messages.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

t.test('hello carries a version bitmap with bit 4 (OpenFlow 1.3)', async (t) => {
  t.same(encodeHello(1), hex('04 00 0010 00000001  0001 0008 00000010'));
  t.same(parseHelloVersions(hex('04 00 0010 00000001  0001 0008 00000012')), [1, 4], 'bitmap 0x12: versions 1 and 4');
  t.same(parseHelloVersions(hex('04 00 0008 00000001')), [1, 2, 3, 4], 'no bitmap: every version up to the header\'s');
  t.throws(() => parseHelloVersions(hex('04 00 000c 00000001 0001 0010')), OpenFlowDecodeError, 'element overrunning the message');
});

t.test('header-only requests and echo', async (t) => {
  t.same(encodeFeaturesRequest(0x0a0b0c0d), hex('04 05 0008 0a0b0c0d'));
  t.same(encodeBarrierRequest(2), hex('04 14 0008 00000002'));
  t.same(encodeEchoRequest(7, Buffer.from('hi')), hex('04 02 000a 00000007 6869'));
  t.same(parseHeader(hex('04 13 0010 12345678')), { version: 4, type: OFPT.MULTIPART_REPLY, length: 16, xid: 0x12345678 });
});

t.test('features reply', async (t) => {
  const msg = hex('04 06 0020 00000005  0000000000000abc  00000100 fe 00 0000  0000004f 00000000');
  t.same(parseFeaturesReply(msg), { datapathId: 0xabcn, nBuffers: 256, nTables: 254, auxiliaryId: 0, capabilities: 0x4f });
  t.throws(() => parseFeaturesReply(msg.subarray(0, 20)), OpenFlowDecodeError);
});

t.test('flow_mod with an OXM match and apply-actions', async (t) => {
  const expected = hex(`
    04 0e 0068 00000009
    0000000000001234 0000000000000000 00 00 0000 0000 03e8 ffffffff ffffffff ffffffff 0000 0000
    0001 001e  80000004 00000001  80000a02 0800  80001908 0a000000 ff000000  0000
    0004 0018 00000000  0000 0010 00000002 ffff 000000000000`);
  const fm = {
    cookie: 0x1234n, table: 0, command: OFPFC.ADD, priority: 1000,
    match: { inPort: 1, ethType: 0x0800, ipv4Dst: { addr: '10.0.0.0', len: 8 } },
    actions: [{ type: 'output' as const, port: 2 }],
  };
  const bytes = encodeFlowMod(9, fm);
  t.same(bytes, expected, 'byte for byte');
  const back = parseFlowMod(bytes);
  t.same(back.match, fm.match);
  t.same(back.actions, fm.actions);
  t.equal(back.priority, 1000);
  t.equal(back.cookie, 0x1234n);
});

t.test('actions: push_vlan, set_field vlan_vid, pop_vlan, group, output to a reserved port', async (t) => {
  t.same(encodeAction({ type: 'push_vlan', ethertype: 0x8100 }), hex('0011 0008 8100 0000'));
  t.same(encodeAction({ type: 'pop_vlan' }), hex('0012 0008 00000000'));
  t.same(encodeAction({ type: 'set_vlan_vid', vid: 10 }), hex('0019 0010  80000c02 100a  000000000000'), 'OXM vlan_vid with OFPVID_PRESENT, padded to 16');
  t.same(encodeAction({ type: 'group', group: 99 }), hex('0016 0008 00000063'));
  t.same(encodeAction({ type: 'output', port: 'IN_PORT' }), hex('0000 0010 fffffff8 ffff 000000000000'));
});

t.test('matches: every FromNet field, and malformed ones refused', async (t) => {
  const m = { inPort: 3, ethType: 0x0800, vlanVid: 100, ipProto: 17, ipv4Src: { addr: '192.168.1.0', len: 24 }, ipv4Dst: { addr: '8.8.8.8', len: 32 }, udpSrc: 53, udpDst: 5353 };
  const b = encodeMatch(m);
  t.equal(b.length % 8, 0, 'padded to 8');
  t.equal(b.readUInt16BE(2), 4 + 8 + 6 + 6 + 5 + 12 + 8 + 6 + 6, 'length excludes padding');
  t.same(parseMatch(b, 0).match, m);
  t.same(encodeMatch({}), hex('0001 0004 00000000'), 'empty match: 4 bytes + 4 padding');
  t.same(encodeMatch({ tcpDst: 80 }), hex('0001 000a 80001c02 0050 000000000000'), 'tcp_dst field 14');
  t.throws(() => parseMatch(hex('0001 0010 80000004 0000'), 0), OpenFlowDecodeError, 'length past the buffer');
  t.throws(() => parseMatch(hex('0000 0004 00000000'), 0), /not OXM/);
  t.throws(() => parseMatch(hex('0001 0010 80001908 0a000000 ff00ff00'), 0), /not a prefix/);
});

t.test('multipart requests: flow stats and port stats', async (t) => {
  t.same(encodeFlowStatsRequest(4), hex(`04 12 0038 00000004  0001 0000 00000000
    ff 000000 ffffffff ffffffff 00000000 0000000000000000 0000000000000000  0001 0004 00000000`));
  t.same(encodePortStatsRequest(5), hex('04 12 0018 00000005  0004 0000 00000000  ffffffff 00000000'));
});

t.test('multipart replies: flow stats, port stats, port description', async (t) => {
  const entry = hex(`0060 00 00 0000000a 00000000 03e8 0000 0000 0000 00000000
    0000000000001234 0000000000000003 00000000000000fc
    0001 000c 80000004 00000002 00000000
    0004 0020 00000000  0012 0008 00000000  0000 0010 00000001 ffff 000000000000`);
  t.same(parseFlowStats(entry), [{
    table: 0, priority: 1000, cookie: 0x1234n, packets: 3n, bytes: 252n,
    match: { inPort: 2 }, actions: [{ type: 'pop_vlan' }, { type: 'output', port: 1 }],
  }]);
  t.throws(() => parseFlowStats(entry.subarray(0, 60)), OpenFlowDecodeError);
  const ps = Buffer.alloc(112);
  ps.writeUInt32BE(0xfffffffe, 0);
  for (let i = 0; i < 12; i++) ps.writeBigUInt64BE(BigInt(i + 1), 8 + i * 8);
  t.same(parsePortStats(ps), [{ port: 'LOCAL', rxPackets: 1n, txPackets: 2n, rxBytes: 3n, txBytes: 4n, rxDropped: 5n, txDropped: 6n }]);
  t.throws(() => parsePortStats(ps.subarray(0, 100)), OpenFlowDecodeError);
  const pd = Buffer.alloc(64);
  pd.writeUInt32BE(7, 0);
  pd.write('veth-a', 16, 'latin1');
  t.same(parsePortDesc(pd), [{ port: 7, name: 'veth-a' }]);
});

t.test('error message', async (t) => {
  t.same(parseError(hex('04 01 0010 00000003  0002 0009 deadbeef')), { type: 2, code: 9, data: hex('deadbeef') });
});

t.test('sizes are checked before a field is read', async (t) => {
  t.throws(() => parseError(hex('04 01 0008 00000001')), /error message of 8 bytes, expected at least 12/);
  t.throws(() => parseError(hex('04 01 0010 00000001 0002 0009')), /says 16 bytes but only 12 are there/, 'header longer than the bytes');
  const fr = hex('04 06 0020 00000005  0000000000000abc  00000100 fe 00 0000  0000004f 00000000');
  const longer = Buffer.concat([fr, hex('00000000')]);
  longer.writeUInt16BE(36, 2);
  t.throws(() => parseFeaturesReply(longer), /features reply of 36 bytes, expected 32/, 'a fixed struct of another size');
  t.throws(() => parseHeader(hex('04 00 0004 00000001')), /length 4 is shorter than the 8-byte header/);
  t.throws(() => parseMatch(hex('0001 000a 80000002 0001 000000000000'), 0), /OXM field 0 of length 2, expected 4/, 'in_port of 2 bytes');
  t.throws(() => parseMatch(hex('0001 000c 80001d04 0050 ffff 00000000'), 0), /with a mask not supported/, 'a masked tcp_dst');
  t.throws(() => parseMatch(hex('0001 0014 80000004 00000001 80000004 00000002 00000000'), 0), /given twice/);
  t.throws(() => parseMatch(hex('0001 000c 80000004 00000001'), 0), /overruns/, 'padding past the buffer');
  t.throws(() => parseActions(hex('0000 0008 00000002'), 0, 8), /action type 0 of length 8, expected 16/, 'a short output action');
  t.throws(() => parseActions(hex('0016 0010 00000063 0000000000000000'), 0, 16), /action type 22 of length 16, expected 8/, 'a long group action');
  t.throws(() => parseActions(hex('0019 0018 80000c02 100a 000000000000 0000000000000000'), 0, 24), /longer than its OXM/);
  // a flow stats entry whose match runs into the next entry: bounded by its own length
  const entry = hex(`0040 00 00 0000000a 00000000 03e8 0000 0000 0000 00000000
    0000000000001234 0000000000000003 00000000000000fc
    0001 000c 80000004 00000002 00000000`);
  const short = Buffer.concat([entry.subarray(0, 56), entry]);
  short.writeUInt16BE(56, 0);
  t.throws(() => parseFlowStats(short), /match length 12 overruns/, 'the match is bounded by its entry');
});

t.test('what a switch may send, checked before the channel acts on it', async (t) => {
  t.same(checkFromSwitch(encodeHello(3)), { version: 4, type: OFPT.HELLO, length: 16, xid: 3 });
  const hello1 = hex('01 00 0008 00000001');
  t.equal(checkFromSwitch(hello1).version, 1, 'a HELLO may carry another version');
  t.throws(() => checkFromSwitch(hex('01 02 0008 00000001')), /OpenFlow version 0x1 on an OpenFlow 1\.3 channel/);
  t.throws(() => checkFromSwitch(hex('04 0e 0008 00000001')), /type 14 is not one a switch sends/, 'a flow_mod from the switch');
  t.throws(() => checkFromSwitch(hex('04 15 000c 00000001 00000000')), /type 21 of 12 bytes, expected 8/, 'a barrier reply with a body');
  t.throws(() => checkFromSwitch(hex('04 13 000c 00000001 00000000')), /type 19 of 12 bytes, expected at least 16/);
  t.throws(() => checkFromSwitch(hex('04 02 000c 00000001')), /says 12 bytes but 8 were framed/);
  const ps = Buffer.alloc(80);
  hex('04 0c 0050 00000000 02').copy(ps);
  ps.writeUInt32BE(5, 16);
  ps.write('tap0', 32, 'latin1');
  t.same(parsePortStatus(ps), { reason: 2, port: { port: 5, name: 'tap0' } });
  t.throws(() => parsePortStatus(ps.subarray(0, 72)), OpenFlowDecodeError);
});
