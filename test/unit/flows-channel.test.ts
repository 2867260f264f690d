// The controller channel against a scripted switch on a TCP socket (the protocol's corner
// cases a real Open vSwitch will not produce on demand): a switch offering only
// OpenFlow 1.0 is refused with HELLO_FAILED; echo requests are answered; an error for one
// flow_mod fails the install naming that flow, and the cookie is deleted again.
import t from 'tap';
import { connect, type Socket } from 'node:net';
import { OFPET, OFPFC, OFPT } from '../../controller/openflow/constants.js';
import { OpenFlowChannel, OpenFlowError } from '../../controller/openflow/channel.js';
import {
  encodeBarrierReply, encodeEchoRequest, encodeError, encodeFeaturesReply, encodeHello, parseError, parseFlowMod, parseHeader,
} from '../../controller/openflow/messages.js';

/** A fake switch: collects whole messages, lets the test answer them. */
async function fakeSwitch(port: number) {
  const sock: Socket = connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  let buf = Buffer.alloc(0);
  const queue: Buffer[] = [];
  let wake: (() => void) | null = null;
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 8 && buf.length >= buf.readUInt16BE(2)) {
      queue.push(buf.subarray(0, buf.readUInt16BE(2)));
      buf = buf.subarray(buf.readUInt16BE(2));
    }
    wake?.();
  });
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  return {
    sock,
    closed,
    send: (b: Buffer) => sock.write(b),
    async next(type?: number): Promise<Buffer> {
      for (;;) {
        const i = queue.findIndex((m) => type === undefined || m[1] === type);
        if (i >= 0) return queue.splice(i, 1)[0];
        await new Promise<void>((r) => (wake = r));
      }
    },
  };
}

t.test('a switch without OpenFlow 1.3 is refused with HELLO_FAILED', async (t) => {
  const ch = new OpenFlowChannel({ port: 0 });
  t.teardown(() => ch.close());
  const sw = await fakeSwitch(await ch.listen());
  t.equal((await sw.next(OFPT.HELLO))[1], OFPT.HELLO, 'controller says hello first');
  sw.send(encodeHello(1, [1]));
  const err = await sw.next(OFPT.ERROR);
  t.equal(parseError(err).type, OFPET.HELLO_FAILED);
  t.match(parseError(err).data.toString(), /OpenFlow 1\.3 only/);
  await sw.closed;
  t.notOk(ch.connected);
});

t.test('handshake, echo, a refused flow names itself and rolls back', async (t) => {
  const ch = new OpenFlowChannel({ port: 0 });
  t.teardown(() => ch.close());
  const sw = await fakeSwitch(await ch.listen());
  t.teardown(() => sw.sock.destroy());
  await sw.next(OFPT.HELLO);
  sw.send(encodeHello(1));
  const fr = await sw.next(OFPT.FEATURES_REQUEST);
  sw.send(encodeFeaturesReply(parseHeader(fr).xid, { datapathId: 7n, nBuffers: 0, nTables: 254, auxiliaryId: 0, capabilities: 0 }));
  await ch.waitReady();
  t.equal(ch.features?.datapathId, 7n);

  sw.send(encodeEchoRequest(0x55, Buffer.from('ka')));
  const echo = await sw.next(OFPT.ECHO_REPLY);
  t.equal(parseHeader(echo).xid, 0x55);
  t.same(echo.subarray(8), Buffer.from('ka'), 'echo reply carries the request\'s data');

  const good = { table: 0, priority: 1, match: { inPort: 1 }, actions: [{ type: 'output' as const, port: 2 }] };
  const bad = { table: 0, priority: 2, match: { inPort: 2 }, actions: [{ type: 'group' as const, group: 9 }] };
  const install = ch.addFlows(0x99n, [good, bad]);
  const m1 = await sw.next(OFPT.FLOW_MOD);
  const m2 = await sw.next(OFPT.FLOW_MOD);
  const barrier = await sw.next(OFPT.BARRIER_REQUEST);
  t.equal(parseFlowMod(m1).cookie, 0x99n);
  sw.send(encodeError(parseHeader(m2).xid, { type: OFPET.BAD_ACTION, code: 9, data: m2.subarray(0, 64) }));
  sw.send(encodeBarrierReply(parseHeader(barrier).xid));
  // the rollback: a DELETE of the cookie, then its barrier
  const del = await sw.next(OFPT.FLOW_MOD);
  const dm = parseFlowMod(del);
  t.equal(dm.command, OFPFC.DELETE);
  t.equal(dm.cookie, 0x99n);
  t.equal(dm.cookieMask, 0xffffffffffffffffn, 'exactly this cookie');
  sw.send(encodeBarrierReply(parseHeader(await sw.next(OFPT.BARRIER_REQUEST)).xid));
  const e = await install.catch((x: unknown) => x);
  t.type(e, OpenFlowError);
  t.match((e as Error).message, /priority=2,in_port=2,actions=group:9: OFPBAC_BAD_OUT_GROUP/);
  t.equal((e as OpenFlowError).flow, bad);
  t.equal(ch.desired.size, 0, 'a failed install is not re-installed on reconnect');

  const ok = ch.addFlows(0x98n, [good]);
  await sw.next(OFPT.FLOW_MOD);
  sw.send(encodeBarrierReply(parseHeader(await sw.next(OFPT.BARRIER_REQUEST)).xid));
  await ok;
  t.same([...ch.desired.keys()], [0x98n], 'a confirmed install is remembered for reconnects');
});
