import t from 'tap';
import { countsFromTap } from '../tap-counts.js';

t.test('reads the last summary line tap prints', async (t) => {
  const out = 'ok 1 - a\n# { total: 3, pass: 3 }\nmore\n# { total: 9, pass: 6, fail: 2, skip: 1 }\n';
  t.same(countsFromTap(out), { pass: 6, fail: 2, skip: 1 });
  t.same(countsFromTap('# { total: 2, pass: 1, todo: 1 }'), { pass: 1, fail: 0, skip: 1 });
});

t.test('a run that crashed before its summary gives undefined', async (t) => {
  t.equal(countsFromTap('TAP version 14\nok 1 - a\n'), undefined);
});
