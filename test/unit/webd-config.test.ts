// webd's config (controller/webd/config.ts): defaults, every problem listed at once, and
// the read-only principals checked against config.secret.
import t from 'tap';
import { parseConfig } from '../../controller/webd/config.js';

const S = 'a-secret-of-twenty-chars';
const base = { secret: { ops: S, viewer: S.replace('a-', 'b-') }, resourced: { url: 'http://127.0.0.1:7020/RPC2', secret: S } };

t.test('a minimal config gets the defaults', async (t) => {
  const c = await parseConfig(base, '/etc/clickos/webd.json');
  t.same(c.listen, { host: '127.0.0.1', port: 7040 });
  t.same(c.readOnly, []);
  t.equal(c.pollMs, 1000);
  t.equal(c.monitord, undefined, 'monitord is optional');
  t.same(c.hosts, { secrets: {} });
});

t.test('every problem at once', async (t) => {
  const e = await parseConfig({ secret: { ops: 'short' }, readOnly: ['nobody'], monitord: { url: 'ftp://x' }, pollMs: 5, colour: 'blue' }, '/etc/clickos/webd.json').catch((e: Error) => e);
  t.type(e, Error);
  for (const p of ['config.colour: unknown key', 'config.secret.ops: a secret is 16-512', 'config.resourced: required', 'config.monitord.url: expected an http(s) URL', 'config.monitord.secret: required', 'config.pollMs: expected an integer from 100'])
    t.match((e as Error).message, p, p);
});

t.test('read-only principals must be principals', async (t) => {
  await t.rejects(parseConfig({ ...base, readOnly: ['viewer', 'nobody'] }, '/x/webd.json'), /config.readOnly: nobody is not a principal of config.secret/);
  t.same((await parseConfig({ ...base, readOnly: ['viewer'] }, '/x/webd.json')).readOnly, ['viewer']);
});
