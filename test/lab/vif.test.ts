// A vif on the lab's bridge for a ClickOS guest created by plain xl: Xen's own hotplug
// script (vif-bridge, bash) runs and reports connected. ClickOS's netfront opens the vif
// when a router starts (test/lab/guests.test.ts).
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { createTestGuest, waitFor, xl, xsExists, xsRead } from './helpers.js';

t.test('a vif on xenbr0 connects and the guest sees it', async (t) => {
  const mac = '00:16:3e:4c:41:42';
  const domid = await createTestGuest({ name: 'lab-vif', vifs: [`bridge=xenbr0,mac=${mac}`] });
  t.teardown(() => xl('destroy', 'lab-vif').catch(() => {}));
  const be = `/local/domain/0/backend/vif/${domid}/0`;
  t.equal(await waitFor('hotplug-status', () => xsRead(`${be}/hotplug-status`), 60_000), 'connected');
  t.equal(await xsRead(`${be}/mac`), mac, 'backend has the configured MAC');
  t.equal(await xsRead(`${be}/bridge`), 'xenbr0');

  const links = execFileSync('ip', ['-o', 'link', 'show', 'master', 'xenbr0'], { encoding: 'utf8' });
  t.match(links, new RegExp(`vif${domid}\\.0`), `vif${domid}.0 is a port of xenbr0`);

  t.equal(await xsRead(`/local/domain/${domid}/device/vif/0/mac`), mac, 'the frontend node has the MAC');

  const list = (await xl('network-list', 'lab-vif')).stdout;
  t.match(list, new RegExp(`^0\\s+0\\s+${mac}\\s`, 'm'), 'xl network-list shows it');

  await xl('destroy', 'lab-vif');
  t.notOk(xsExists(`/local/domain/0/backend/vif/${domid}`), 'backend nodes removed on destroy');
  const after = execFileSync('ip', ['-o', 'link', 'show', 'master', 'xenbr0'], { encoding: 'utf8' });
  t.notMatch(after, new RegExp(`vif${domid}\\.0`), 'the vif left the bridge');
});
