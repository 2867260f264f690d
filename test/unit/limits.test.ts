// toolstack/limits.ts is the one place the validation rules live: what hostd's API
// accepts is what the toolstack accepts, value for value, and the paths rule matches
// what xl is given (no ".." segment).
import t from 'tap';
import { checkBridge, checkDomain, checkMac, checkName, checkPath } from '../../toolstack/validate.js';
import * as api from '../../hostd/api.js';
import { ABSOLUTE_PATH_RE, MAX_DOMID, MAX_RID, MAX_ROUTERS, SAFE_PATH_RE } from '../../toolstack/limits.js';

const accepts = (f: () => unknown): boolean => {
  try {
    f();
    return true;
  } catch {
    return false;
  }
};

t.test('hostd accepts exactly what the toolstack accepts', async (t) => {
  for (const n of ['fw1', 'a.b-c_d', 'x'.repeat(64), 'x'.repeat(65), '-x', '.x', 'a..b', 'a b', '', '9'])
    t.equal(api.name.check(n, 'p') === undefined, accepts(() => checkName(n)), `name ${JSON.stringify(n)}`);
  for (const m of ['00:16:3e:00:00:01', '02:CF:00:01:01:00', '01:00:5e:00:00:01', '00:16:3e:00:00', 'zz:16:3e:00:00:01'])
    t.equal(api.mac.check(m, 'p') === undefined, accepts(() => checkMac(m)), `mac ${m}`);
  for (const b of ['xenbr0', 'br-int.1', 'a'.repeat(15), 'a'.repeat(16), '-br', '.br', 'br 0'])
    t.equal(api.bridge.check(b, 'p') === undefined, accepts(() => checkBridge(b)), `bridge ${JSON.stringify(b)}`);
  for (const d of [1, MAX_DOMID, MAX_DOMID + 1]) t.equal(api.domid.check(d, 'p') === undefined, accepts(() => checkDomain(d)), `domid ${d}`);
  t.equal(MAX_RID, MAX_ROUTERS - 1);
  t.equal(api.rid.check(MAX_RID, 'p'), undefined);
  t.ok(api.rid.check(MAX_ROUTERS, 'p'), 'rid is below the router count');
});

t.test('paths: no ".." segment; the absolute rule is the safe rule anchored at /', async (t) => {
  for (const p of ['/a/b', 'a/b', '/a/../b', '..', '../x', '/x/..', 'a..b', '/a..b/c']) {
    t.equal(SAFE_PATH_RE.test(p), accepts(() => checkPath(p, 'path')), p);
    t.equal(ABSOLUTE_PATH_RE.test(p), p.startsWith('/') && SAFE_PATH_RE.test(p), `absolute ${p}`);
  }
});
