// The client's framing and routing against a scripted peer (see xenstore-peer.ts).
import t from 'tap';
import { XenStore, XenStoreError, XenStoreArgumentError, XenStoreConnectionError } from '../../xenstore/index.js';
import { encode, Op } from '../../xenstore/wire.js';
import { defaultSocketPath } from '../../xenstore/connection.js';
import { ScriptedPeer } from '../support/xenstore-peer.js';

async function setup(t: { teardown: (fn: () => unknown) => void }): Promise<{ peer: ScriptedPeer; xs: XenStore }> {
  const peer = await ScriptedPeer.start();
  let xs: XenStore | undefined;
  // registered before connecting: a failed connect still stops the peer and removes its folder
  t.teardown(async () => {
    xs?.close();
    await peer.stop();
  });
  xs = await XenStore.connect({ path: peer.path });
  return { peer, xs };
}

t.test('request framing on the wire', async (t) => {
  const { peer, xs } = await setup(t);
  const w = xs.write('/a/b', 'value');
  const [req] = await peer.requests(1);
  t.equal(req!.type, Op.WRITE);
  t.equal(req!.txId, 0);
  t.equal(req!.payload.toString(), '/a/b\0value', 'path NUL value, value not terminated');
  await peer.sendRaw(peer.reply(req!, Op.WRITE, 'OK\0'));
  await w;
});

t.test('a reply split across reads, byte by byte at the header', async (t) => {
  const { peer, xs } = await setup(t);
  const r = xs.read('/x');
  const [req] = await peer.requests(1);
  const bytes = peer.reply(req!, Op.READ, 'hello world');
  await peer.sendRaw(bytes, [1, 2, 7, 15, 16, 20]);
  t.equal(await r, 'hello world');
});

t.test('replies coalesced in one read, out of order, matched by id', async (t) => {
  const { peer, xs } = await setup(t);
  const a = xs.read('/a');
  const b = xs.read('/b');
  const c = xs.read('/c');
  const reqs = await peer.requests(3);
  const [ra, rb, rc] = reqs;
  t.equal(new Set(reqs.map((r) => r.reqId)).size, 3, 'distinct request ids');
  await peer.sendRaw(Buffer.concat([peer.reply(rc!, Op.READ, 'C'), peer.reply(ra!, Op.READ, 'A'), peer.reply(rb!, Op.READ, 'B')]));
  t.same(await Promise.all([a, b, c]), ['A', 'B', 'C']);
});

t.test('watch events interleaved with replies go to their watch by token', async (t) => {
  const { peer, xs } = await setup(t);
  const wp = xs.watch('/w', 'tok1');
  const [wreq] = await peer.requests(1);
  t.equal(wreq!.payload.toString(), '/w\0tok1\0');
  // The first event arrives before the WATCH reply, as xenstored may do.
  const ev = (path: string, token: string): Buffer => encode({ type: Op.WATCH_EVENT, reqId: 0, txId: 0, payload: Buffer.from(`${path}\0${token}\0`) });
  await peer.sendRaw(Buffer.concat([ev('/w', 'tok1'), peer.reply(wreq!, Op.WATCH, 'OK\0')]));
  const watch = await wp;
  const r = xs.read('/r');
  const [, rreq] = await peer.requests(2);
  await peer.sendRaw(Buffer.concat([ev('/w/x', 'tok1'), ev('/other', 'not-ours'), peer.reply(rreq!, Op.READ, 'v'), ev('/w/y', 'tok1')]), [10]);
  t.equal(await r, 'v');
  const seen: string[] = [];
  const done = (async () => {
    for await (const e of watch) {
      seen.push(e.path);
      if (seen.length === 3) break; // leaving the loop closes the watch
    }
  })();
  const [, , unw] = await peer.requests(3);
  t.same(seen, ['/w', '/w/x', '/w/y'], 'events in order, the unknown token ignored');
  t.equal(unw!.type, Op.UNWATCH, 'leaving the loop unregisters the watch');
  await peer.sendRaw(peer.reply(unw!, Op.UNWATCH, 'OK\0'));
  await done;
  t.equal(unw!.payload.toString(), '/w\0tok1\0');
});

t.test('an ERROR reply becomes a typed error with errno and path', async (t) => {
  const { peer, xs } = await setup(t);
  const r = xs.read('/missing').catch((e: unknown) => e);
  const [req] = await peer.requests(1);
  await peer.sendRaw(peer.reply(req!, Op.ERROR, 'ENOENT\0'));
  const err = await r;
  t.type(err, XenStoreError);
  t.equal((err as XenStoreError).errno, 'ENOENT');
  t.equal((err as XenStoreError).path, '/missing');
  t.match((err as Error).message, /READ \/missing: ENOENT/);
});

t.test('a reply for an unknown id is counted and ignored', async (t) => {
  const { peer, xs } = await setup(t);
  const r = xs.read('/k');
  const [req] = await peer.requests(1);
  await peer.sendRaw(Buffer.concat([encode({ type: Op.READ, reqId: req!.reqId + 1000, txId: 0, payload: Buffer.from('stray') }), peer.reply(req!, Op.READ, 'mine')]));
  t.equal(await r, 'mine');
  t.equal(xs.unmatchedReplies, 1);
});

t.test('oversized payloads and bad paths are refused before sending', async (t) => {
  const { peer, xs } = await setup(t);
  await t.rejects(xs.write('/big', 'x'.repeat(4096)), XenStoreArgumentError);
  await t.rejects(xs.write('/big', 'x'.repeat(4096)), /exceeds the protocol's 4096/);
  await t.rejects(xs.read('/a b'), /only A-Z/);
  await t.rejects(xs.read('/a//b'), /empty path component/);
  await t.rejects(xs.read('/a/'), /empty path component/);
  await t.rejects(xs.read('@releaseDomain'), /only watches/);
  await t.rejects(xs.read('/' + 'a'.repeat(3072)), /longer than 3072/);
  await t.rejects(xs.read('a'.repeat(2049)), /longer than 2048/);
  await t.rejects(xs.setPermissions('/p', [{ domid: -1, access: 'read' }]), /invalid domid/);
  await t.rejects(xs.getDomainPath(1.5), /invalid domid/);
  // Nothing reached the peer: the next request is the first it sees.
  const ok = xs.read('/fine');
  const [req] = await peer.requests(1);
  t.equal(req!.payload.toString(), '/fine\0');
  await peer.sendRaw(peer.reply(req!, Op.READ, ''));
  t.equal(await ok, '');
});

t.test('connection loss rejects every pending call and ends every watch', async (t) => {
  const { peer, xs } = await setup(t);
  const wp = xs.watch('/w');
  const [wreq] = await peer.requests(1);
  await peer.sendRaw(peer.reply(wreq!, Op.WATCH, 'OK\0'));
  const watch = await wp;
  const calls: Promise<unknown>[] = [xs.read('/a'), xs.write('/b', 'v'), xs.directory('/c')];
  await peer.requests(4);
  const next = watch.next();
  peer.dropConnection();
  for (const c of calls) await t.rejects(c, XenStoreConnectionError);
  await t.rejects(next, /connection to xenstored at .* lost/);
  await t.rejects(xs.read('/after'), XenStoreConnectionError, 'later calls fail at once');
});

t.test('close() is clean: pending calls end, no event after', async (t) => {
  const { peer, xs } = await setup(t);
  const r = xs.read('/a');
  await peer.requests(1);
  xs.close();
  await t.rejects(r, /was closed/);
});

t.test('transactions: ids on the wire, several open at once, commit and abort', async (t) => {
  const { peer, xs } = await setup(t);
  const t1p = xs.transactionStart();
  const t2p = xs.transactionStart();
  const [s1, s2] = await peer.requests(2);
  t.equal(s1!.payload.toString(), '\0');
  await peer.sendRaw(Buffer.concat([peer.reply(s2!, Op.TRANSACTION_START, '8\0'), peer.reply(s1!, Op.TRANSACTION_START, '7\0')]));
  const [t1, t2] = await Promise.all([t1p, t2p]);
  t.equal(t1.txId, 7);
  t.equal(t2.txId, 8);
  const w = t2.write('/x', '1');
  const [, , wr] = await peer.requests(3);
  t.equal(wr!.txId, 8, 'the write carries its transaction id');
  await peer.sendRaw(peer.reply(wr!, Op.WRITE, 'OK\0'));
  await w;
  const c = t1.commit();
  const a = t2.abort();
  const [, , , e1, e2] = await peer.requests(5);
  t.equal(e1!.payload.toString(), 'T\0');
  t.equal(e1!.txId, 7);
  t.equal(e2!.payload.toString(), 'F\0');
  await peer.sendRaw(Buffer.concat([peer.reply(e1!, Op.TRANSACTION_END, 'OK\0'), peer.reply(e2!, Op.TRANSACTION_END, 'OK\0')]));
  await Promise.all([c, a]);
  await t.rejects(t1.commit(), /already ended/);
});

t.test('transaction() retries on EAGAIN, then gives up with a clear error', async (t) => {
  const { peer, xs } = await setup(t);
  let bodies = 0;
  const run = xs.transaction(
    async (tx) => {
      bodies++;
      await tx.write('/n', String(bodies));
    },
    { attempts: 3, backoffMs: 1 },
  );
  const outcome = run.then(() => 'committed', (e: Error) => e.message);
  const nth = async (i: number) => (await peer.requests(i + 1))[i]!;
  for (let attempt = 0; attempt < 3; attempt++) {
    const base = attempt * 3;
    const start = await nth(base);
    t.equal(start.type, Op.TRANSACTION_START);
    await peer.sendRaw(peer.reply(start, Op.TRANSACTION_START, `${attempt + 1}\0`));
    const write = await nth(base + 1);
    t.equal(write.txId, attempt + 1, 'the body writes in the new transaction');
    await peer.sendRaw(peer.reply(write, Op.WRITE, 'OK\0'));
    const end = await nth(base + 2);
    t.equal(end.payload.toString(), 'T\0');
    await peer.sendRaw(peer.reply(end, Op.ERROR, 'EAGAIN\0'));
  }
  t.match(await outcome, /still conflicting \(EAGAIN\) after 3 attempts/);
  t.equal(bodies, 3);
});

t.test('directory falls back to DIRECTORY_PART on E2BIG and joins the parts', async (t) => {
  const { peer, xs } = await setup(t);
  const d = xs.directory('/big');
  const [r1] = await peer.requests(1);
  t.equal(r1!.type, Op.DIRECTORY);
  await peer.sendRaw(peer.reply(r1!, Op.ERROR, 'E2BIG\0'));
  const [, p1] = await peer.requests(2);
  t.equal(p1!.payload.toString(), '/big\x000\0');
  await peer.sendRaw(peer.reply(p1!, Op.DIRECTORY_PART, '42\0a\0bb\0'));
  const [, , p2] = await peer.requests(3);
  t.equal(p2!.payload.toString(), '/big\x005\0', 'offset counts the bytes of names received');
  await peer.sendRaw(peer.reply(p2!, Op.DIRECTORY_PART, '42\0ccc\0\0'));
  t.same(await d, ['a', 'bb', 'ccc']);
});

t.test('permissions are typed both ways', async (t) => {
  const { peer, xs } = await setup(t);
  const g = xs.getPermissions('/p');
  const [req] = await peer.requests(1);
  await peer.sendRaw(peer.reply(req!, Op.GET_PERMS, 'n0\0r5\0b7\0'));
  t.same(await g, [
    { access: 'none', domid: 0 },
    { access: 'read', domid: 5 },
    { access: 'both', domid: 7 },
  ]);
  const s = xs.setPermissions('/p', [{ domid: 3, access: 'write' }, { domid: 0, access: 'read' }]);
  const [, sreq] = await peer.requests(2);
  t.equal(sreq!.payload.toString(), '/p\0w3\0r0\0');
  await peer.sendRaw(peer.reply(sreq!, Op.SET_PERMS, 'OK\0'));
  await s;
});

t.test('several next() calls may wait at once (a caller racing a timer)', async (t) => {
  const { peer, xs } = await setup(t);
  const wp = xs.watch('/w', 'tk');
  const [wreq] = await peer.requests(1);
  await peer.sendRaw(peer.reply(wreq!, Op.WATCH, 'OK\0'));
  const watch = await wp;
  const a = watch.next();
  const b = watch.next();
  const ev = (path: string): Buffer => encode({ type: Op.WATCH_EVENT, reqId: 0, txId: 0, payload: Buffer.from(`${path}\0tk\0`) });
  await peer.sendRaw(Buffer.concat([ev('/w/1'), ev('/w/2')]));
  t.equal((await a).value?.path, '/w/1');
  t.equal((await b).value?.path, '/w/2');
});

t.test("the default socket follows libxenstore: XENSTORED_PATH, else XENSTORED_RUNDIR's socket", async (t) => {
  t.equal(defaultSocketPath({}), '/var/run/xenstored/socket');
  t.equal(defaultSocketPath({ XENSTORED_RUNDIR: '/run/xs' }), '/run/xs/socket');
  t.equal(defaultSocketPath({ XENSTORED_RUNDIR: '/run/xs', XENSTORED_PATH: '/tmp/s' }), '/tmp/s');
});

t.test('next(timeoutMs): a timed-out wait withdraws, so the next event goes to the next caller', async (t) => {
  const { peer, xs } = await setup(t);
  const wp = xs.watch('/w', 'tk');
  const [wreq] = await peer.requests(1);
  await peer.sendRaw(peer.reply(wreq!, Op.WATCH, 'OK\0'));
  const watch = await wp;
  t.equal(await watch.next(20), 'timeout', 'nothing came in 20 ms');
  const later = watch.next(5000);
  await peer.sendRaw(encode({ type: Op.WATCH_EVENT, reqId: 0, txId: 0, payload: Buffer.from('/w/late\0tk\0') }));
  const r = await later;
  t.not(r, 'timeout');
  t.equal((r as IteratorResult<{ path: string }>).value?.path, '/w/late', 'the event reached the live waiter, not the one that timed out');
});

t.test('readOptional maps ENOENT to undefined and throws every other error', async (t) => {
  const { peer, xs } = await setup(t);
  const missing = xs.readOptional('/missing');
  const [a] = await peer.requests(1);
  await peer.sendRaw(peer.reply(a!, Op.ERROR, 'ENOENT\0'));
  t.equal(await missing, undefined);
  const denied = xs.readOptional('/secret').catch((e: unknown) => e);
  const [, b] = await peer.requests(2);
  await peer.sendRaw(peer.reply(b!, Op.ERROR, 'EACCES\0'));
  t.match(await denied, { errno: 'EACCES' }, 'EACCES is not "absent"');
  const lost = xs.readOptional('/gone').catch((e: unknown) => e);
  await peer.requests(3);
  await peer.stop();
  t.type(await lost, XenStoreConnectionError, 'a lost connection is not "absent"');
});
