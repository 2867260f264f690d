import t from 'tap';
import { countsFromTap, failuresFromTap } from '../tap-counts.js';

t.test('reads the last summary line tap prints', async (t) => {
  const out = 'ok 1 - a\n# { total: 3, pass: 3 }\nmore\n# { total: 9, pass: 6, fail: 2, skip: 1 }\n';
  t.same(countsFromTap(out), { pass: 6, fail: 2, skip: 1 });
  t.same(countsFromTap('# { total: 2, pass: 1, todo: 1 }'), { pass: 1, fail: 0, skip: 1 });
});

t.test('a run that crashed before its summary gives undefined', async (t) => {
  t.equal(countsFromTap('TAP version 14\nok 1 - a\n'), undefined);
});

t.test('the failed points are listed, nested ones too, skips are not', async (t) => {
  const out = [
    '# Subtest: a',
    '    not ok 2 - inner fails',
    '    not ok 3 - later # SKIP no lab',
    'not ok 1 - a # time=3ms',
    'ok 2 - b',
  ].join('\n');
  t.same(failuresFromTap(out), ['not ok 2 - inner fails', 'not ok 1 - a # time=3ms']);
  t.same(failuresFromTap('ok 1 - fine\n'), []);
});
