// The lab is real: a ClickOS guest boots under xl, writes its own XenStore node, and
// leaves nothing behind when destroyed.
import t from 'tap';
import { createTestGuest, domainNames, waitFor, xl, xsExists, xsRead } from './helpers.js';

t.test('xl info reports Xen 4.17', async (t) => {
  const { stdout } = await xl('info');
  t.match(stdout, /^xen_major\s+:\s+4$/m);
  t.match(stdout, /^xen_minor\s+:\s+17$/m);
  t.match(stdout, /^xen_caps\s+:.*xen-3\.0-x86_64/m);
});

t.test('create → list → guest writes XenStore → destroy leaves nothing', async (t) => {
  const domid = await createTestGuest({ name: 'lab-t1' });
  t.ok(domid > 0, `domid ${domid}`);
  t.ok((await domainNames()).includes('lab-t1'), 'xl list shows the guest');
  const dom = `/local/domain/${domid}`;
  t.equal(await xsRead(`${dom}/name`), 'lab-t1', 'xl wrote the domain name');
  const root = await waitFor('ClickOS to write data/clickos', () => xsRead(`${dom}/data/clickos`), 120_000);
  t.equal(root, '', 'ClickOS wrote data/clickos itself (a relative path in its own tree)');

  await xl('destroy', 'lab-t1');
  t.notOk((await domainNames()).includes('lab-t1'), 'gone from xl list');
  t.notOk(xsExists(dom), `${dom} removed`);
  t.notOk(xsExists(`/libxl/${domid}`), `/libxl/${domid} removed`);
});

t.test('destroying an unknown domain fails with xl\'s message', async (t) => {
  await t.rejects(xl('destroy', 'no-such-guest'), /no-such-guest is an invalid domain identifier/);
});
