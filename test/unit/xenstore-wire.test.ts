// The framing itself: requests built in one buffer, packets reassembled from any cut.
import t from 'tap';
import { encode, frame, setRequestId, Op, PacketDecoder, HEADER_SIZE } from '../../xenstore/wire.js';
import { checkPath } from '../../xenstore/client.js';

t.test('frame: header, NUL-terminated args, then the value as is', async (t) => {
  const f = frame(Op.WRITE, 7, ['/a/b'], 'é!');
  t.equal(f.readUInt32LE(0), Op.WRITE);
  t.equal(f.readUInt32LE(4), 0, 'req_id left for the router');
  t.equal(f.readUInt32LE(8), 7);
  t.equal(f.readUInt32LE(12), f.length - HEADER_SIZE);
  t.same([...f.subarray(HEADER_SIZE)], [...Buffer.from('/a/b\0é!')], 'UTF-8 value, not NUL-terminated');
  setRequestId(f, 0xfffffffe);
  t.equal(f.readUInt32LE(4), 0xfffffffe);
  t.same(frame(Op.WRITE, 0, ['/v'], Buffer.from([0, 1, 255])).subarray(HEADER_SIZE), Buffer.from([0x2f, 0x76, 0, 0, 1, 255]), 'a Buffer value is copied byte for byte');
  t.same(frame(Op.SET_PERMS, 0, ['/p', 'n0', 'r1']).subarray(HEADER_SIZE).toString(), '/p\0n0\0r1\0');
  t.same(frame(Op.TRANSACTION_START, 0, ['']).subarray(HEADER_SIZE), Buffer.from([0]), 'an empty arg is one NUL');
  t.equal(frame(Op.RESET_WATCHES, 0, []).length, HEADER_SIZE);
});

t.test('decoder: two packets cut at every byte give the same packets', async (t) => {
  const a = encode({ type: Op.READ, reqId: 1, txId: 0, payload: Buffer.from('value-a') });
  const b = encode({ type: Op.WATCH_EVENT, reqId: 0, txId: 3, payload: Buffer.from('/p\0tok\0') });
  const both = Buffer.concat([a, b]);
  for (let cut = 0; cut <= both.length; cut++) {
    const d = new PacketDecoder();
    const first = Buffer.from(both.subarray(0, cut));
    const got = d.push(first);
    first.fill(0xee); // a reused read buffer: what was kept must not change
    got.push(...d.push(Buffer.from(both.subarray(cut))));
    t.same(
      got.map((p) => [p.type, p.reqId, p.txId, p.payload.toString()]),
      [
        [Op.READ, 1, 0, 'value-a'],
        [Op.WATCH_EVENT, 0, 3, '/p\0tok\0'],
      ],
      `cut at ${cut}`,
    );
  }
});

t.test('decoder: a payload stays intact when the read buffer is reused', async (t) => {
  const d = new PacketDecoder();
  const buf = Buffer.from(encode({ type: Op.READ, reqId: 9, txId: 0, payload: Buffer.from('kept') }));
  const [p] = d.push(buf);
  buf.fill(0);
  t.equal(p!.payload.toString(), 'kept');
});

t.test('decoder: an absurd length is a corrupt stream', async (t) => {
  const head = Buffer.alloc(HEADER_SIZE);
  head.writeUInt32LE(16 * 4096 + 1, 12);
  t.throws(() => new PacketDecoder().push(head), /corrupt XenStore stream/);
});

t.test('checkPath: the fast path accepts exactly what the full checks accept', async (t) => {
  const good = ['/', 'a', '/a', '/a/b-c_D9', 'data/ready', '/' + 'a'.repeat(3071), 'a'.repeat(2048)];
  const bad = ['', '//', '/a/', 'a//b', 'a/', '@x', '/a@b', '/a b', '/é', '/' + 'a'.repeat(3072), 'a'.repeat(2049), '/a b/c'];
  for (const p of good) t.doesNotThrow(() => checkPath(p), JSON.stringify(p.slice(0, 12)));
  for (const p of bad) t.throws(() => checkPath(p), JSON.stringify(p.slice(0, 12)));
  t.doesNotThrow(() => checkPath('@releaseDomain', { special: true }));
  t.throws(() => checkPath('@releaseDomain'));
});
