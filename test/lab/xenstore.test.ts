// Our XenStore client against the real daemon of this lab boot (C xenstored or
// oxenstored: the harness boots the lab once with each), cross-checked with
// Xen's own xenstore-read / xenstore-write.
import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { XenStore, XenStoreError, type WatchEvent, type Watch } from '../../xenstore/index.js';
import { createStandinGuest, createTestGuest, waitFor, xl } from './helpers.js';

const run = promisify(execFile);
const flavour = process.env.LAB_XENSTORED ?? 'xenstored';
const ROOT = `/tool/xs-test-${process.pid}`;

async function nextEvent(w: Watch, timeoutMs = 30_000): Promise<WatchEvent> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no watch event on ${w.path} within ${timeoutMs / 1000}s`)), timeoutMs);
  });
  try {
    const r = await Promise.race([w.next(), timeout]);
    if (r.done) throw new Error('watch ended');
    return r.value;
  } finally {
    clearTimeout(timer);
  }
}

/** Events until one for `path` arrives (watches may also fire spuriously). */
async function eventFor(w: Watch, path: string): Promise<WatchEvent> {
  for (;;) {
    const ev = await nextEvent(w);
    if (ev.path === path) return ev;
  }
}

t.test(`client against ${flavour}`, async (t) => {
  const xs = await XenStore.connect();
  t.teardown(async () => {
    await xs.rm(ROOT).catch(() => {});
    xs.close();
  });

  t.test('write, read, exists, mkdir, directory, rm', async (t) => {
    await xs.write(`${ROOT}/a`, 'hello');
    t.equal(await xs.read(`${ROOT}/a`), 'hello');
    await xs.write(`${ROOT}/bin`, Buffer.from([1, 2, 0, 255]));
    t.same([...(await xs.readBuffer(`${ROOT}/bin`))], [1, 2, 0, 255], 'binary values survive');
    await xs.mkdir(`${ROOT}/dir/sub`);
    t.equal(await xs.read(`${ROOT}/dir/sub`), '', 'mkdir makes an empty node');
    t.same((await xs.directory(ROOT)).sort(), ['a', 'bin', 'dir']);
    t.ok(await xs.exists(`${ROOT}/dir`));
    await xs.rm(`${ROOT}/dir`);
    t.notOk(await xs.exists(`${ROOT}/dir/sub`), 'rm removes the subtree');
    const err = await xs.read(`${ROOT}/nope`).catch((e: unknown) => e);
    t.type(err, XenStoreError);
    t.equal((err as XenStoreError).errno, 'ENOENT');
  });

  t.test('cross-checked with xenstore-read / xenstore-write both ways', async (t) => {
    await xs.write(`${ROOT}/ours`, 'written by us');
    t.equal((await run('xenstore-read', [`${ROOT}/ours`])).stdout, 'written by us\n');
    await run('xenstore-write', [`${ROOT}/theirs`, 'written by xenstore-write']);
    t.equal(await xs.read(`${ROOT}/theirs`), 'written by xenstore-write');
    await run('xenstore-chmod', [`${ROOT}/theirs`, 'n0', 'r3']);
    t.same(await xs.getPermissions(`${ROOT}/theirs`), [
      { access: 'none', domid: 0 },
      { access: 'read', domid: 3 },
    ]);
    await xs.setPermissions(`${ROOT}/ours`, [{ domid: 0, access: 'read' }, { domid: 5, access: 'both' }]);
    t.equal((await run('xenstore-ls', ['-p', ROOT])).stdout.match(/ours = "written by us"[ .]*\((.*)\)/)?.[1], 'r0,b5');
  });

  t.test('domain operations', async (t) => {
    t.equal(await xs.getDomainPath(0), '/local/domain/0');
    t.equal(await xs.getDomainPath(7), '/local/domain/7');
    t.equal(await xs.isDomainIntroduced(0), true);
    t.equal(await xs.isDomainIntroduced(4000), false);
    await t.rejects(xs.release(4000), XenStoreError, 'releasing an unknown domain is an error');
    await xs.resetWatches();
  });

  t.test('control', async (t) => {
    // Both daemons implement `print` (it logs the text). C xenstored refuses unknown
    // commands; oxenstored answers OK to them but has a `watches` listing.
    t.type(await xs.control('print', 'hello from the toolstack tests'), 'string');
    if (flavour === 'xenstored') await t.rejects(xs.control('no-such-command'), XenStoreError);
    else t.match(await xs.control('watches'), /@releaseDomain/);
  });

  t.test('pipelined requests on one connection come back matched', async (t) => {
    const n = 200;
    await Promise.all(Array.from({ length: n }, (_, i) => xs.write(`${ROOT}/p/${i}`, `v${i}`)));
    const values = await Promise.all(Array.from({ length: n }, (_, i) => xs.read(`${ROOT}/p/${i}`)));
    t.same(values, Array.from({ length: n }, (_, i) => `v${i}`));
  });

  t.test('a directory of 2000 children is listed whole', async (t) => {
    const dir = `${ROOT}/many`;
    const names = Array.from({ length: 2000 }, (_, i) => `child-with-a-longish-name-${i}`);
    for (let i = 0; i < names.length; i += 250) await Promise.all(names.slice(i, i + 250).map((n) => xs.write(`${dir}/${n}`, '')));
    const listed = await xs.directory(dir);
    t.equal(listed.length, 2000);
    t.same([...listed].sort(), [...names].sort());
  });

  t.test('transactions: several at once, commit, abort, isolation', async (t) => {
    const [a, b] = await Promise.all([xs.transactionStart(), xs.transactionStart()]);
    t.not(a.txId, b.txId);
    await a.write(`${ROOT}/tx/a`, '1');
    await b.write(`${ROOT}/tx/b`, '2');
    t.notOk(await xs.exists(`${ROOT}/tx/a`), 'not visible outside before commit');
    await a.commit();
    await b.abort();
    t.equal(await xs.read(`${ROOT}/tx/a`), '1');
    t.notOk(await xs.exists(`${ROOT}/tx/b`), 'aborted write is gone');
  });

  t.test('a conflict with another connection gives EAGAIN once; the retry loses no write', async (t) => {
    const other = await XenStore.connect();
    t.teardown(() => other.close());
    const key = `${ROOT}/counter`;
    await xs.write(key, '0');
    let bodies = 0;
    await xs.transaction(async (tx) => {
      bodies++;
      const v = Number(await tx.read(key));
      if (bodies === 1) await other.write(key, String(v + 10)); // someone else writes meanwhile
      await tx.write(key, String(v + 1));
    });
    t.equal(bodies, 2, 'the body ran twice: EAGAIN on the first commit, success on the retry');
    t.equal(await xs.read(key), '11', 'both increments are there');

    // The raw protocol answer, seen directly.
    const tx = await xs.transactionStart();
    await tx.read(key);
    await other.write(key, 'x');
    await tx.write(key, 'y');
    const err = await tx.commit().catch((e: unknown) => e);
    t.equal((err as XenStoreError).errno, 'EAGAIN');
  });

  t.test('watches fire on set-up and on change', async (t) => {
    const w = await xs.watch(`${ROOT}/watched`);
    t.equal((await nextEvent(w)).path, `${ROOT}/watched`, 'fires once when registered');
    await run('xenstore-write', [`${ROOT}/watched/leaf`, 'x']);
    t.equal((await eventFor(w, `${ROOT}/watched/leaf`)).token, w.token);
    await w.close();
  });

  t.test('@introduceDomain and @releaseDomain on xl create / xl destroy', async (t) => {
    const intro = await xs.watch('@introduceDomain');
    const rel = await xs.watch('@releaseDomain');
    await nextEvent(intro);
    await nextEvent(rel);
    const name = `xs-watch-${process.pid}`;
    const domid = await createTestGuest({ name });
    t.teardown(() => xl('destroy', name).catch(() => {}));
    t.equal((await eventFor(intro, '@introduceDomain')).path, '@introduceDomain');
    t.equal(await xs.isDomainIntroduced(domid), true);
    await xl('destroy', name);
    t.equal((await eventFor(rel, '@releaseDomain')).path, '@releaseDomain');
    t.equal(await xs.isDomainIntroduced(domid), false);
    await intro.close();
    await rel.close();
  });

  // Stand-in guest: the probe is a shell command the guest runs with its own rights.
  t.test('permissions are enforced for a guest (Linux stand-in: it reads with its own rights)', async (t) => {
    const name = `xs-perm-${process.pid}`;
    const domid = await createStandinGuest({ name });
    t.teardown(() => xl('destroy', name).catch(() => {}));
    const home = `/local/domain/${domid}`;
    await waitFor('the guest', () => xs.read(`${home}/data/ready`).catch(() => undefined), 120_000);
    const probe = async (path: string): Promise<string> => {
      await xs.rm(`${home}/data/probe/result`).catch(() => {});
      await xs.write(`${home}/data/probe/ls`, path);
      return waitFor(`the guest's probe of ${path}`, () => xs.read(`${home}/data/probe/result`).catch(() => undefined), 60_000);
    };
    await xs.write(`${ROOT}/secret/key`, 'dom0 only');
    await xs.setPermissions(`${ROOT}/secret`, [{ domid: 0, access: 'none' }]);
    t.match(await probe(`${ROOT}/secret`), /Permission denied[\s\S]*exit=1/, 'EACCES for a dom0-only node');
    for (const node of ['secret', 'secret/key']) await xs.setPermissions(`${ROOT}/${node}`, [{ domid: 0, access: 'none' }, { domid, access: 'read' }]);
    t.match(await probe(`${ROOT}/secret`), /exit=0/, 'readable once granted');
  });

  t.test('over /dev/xen/xenbus too', async (t) => {
    const kx = await XenStore.connect({ transport: 'xenbus' });
    t.teardown(() => kx.close());
    await kx.write(`${ROOT}/via-xenbus`, 'k');
    t.equal(await xs.read(`${ROOT}/via-xenbus`), 'k');
    t.same((await kx.directory(`${ROOT}/tx`)).sort(), ['a']);
    const tx = await kx.transactionStart();
    await tx.write(`${ROOT}/via-xenbus`, 'k2');
    await tx.commit();
    t.equal(await kx.read(`${ROOT}/via-xenbus`), 'k2');
  });
});
