import t, { type Test } from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { moduleClosure, kernelVersion } from '../../lab/images.js';

function fakeModulesTree(t: Test, dep: string): string {
  const tree = t.testdir({});
  const base = join(tree, 'usr', 'lib', 'modules', '6.1.0-50-amd64');
  mkdirSync(base, { recursive: true });
  writeFileSync(join(base, 'modules.dep'), dep);
  return tree;
}

// The dependency lines of the real Debian 6.1 kernel (busybox depmod output).
const DEP = `kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko kernel/fs/fscache/fscache.ko kernel/fs/netfs/netfs.ko
kernel/fs/fscache/fscache.ko: kernel/fs/netfs/netfs.ko
kernel/fs/netfs/netfs.ko:
kernel/net/9p/9pnet.ko:
kernel/net/9p/9pnet_virtio.ko: kernel/drivers/virtio/virtio.ko kernel/net/9p/9pnet.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio.ko:
kernel/drivers/virtio/virtio_ring.ko:
kernel/drivers/net/xen-netfront.ko:
`;

t.test('module closure lists dependencies before dependants, once each', async (t) => {
  const tree = fakeModulesTree(t, DEP);
  t.equal(kernelVersion(tree), '6.1.0-50-amd64');
  const order = moduleClosure(tree, ['9pnet_virtio', '9p']).map((p) => p.split('/').pop());
  t.same(order, ['virtio.ko', '9pnet.ko', 'virtio_ring.ko', '9pnet_virtio.ko', 'netfs.ko', 'fscache.ko', '9p.ko']);
  for (const [i, m] of order.entries()) t.equal(order.indexOf(m), i, `${m} once`);
});

t.test('dashes and underscores name the same module', async (t) => {
  const tree = fakeModulesTree(t, DEP);
  t.same(moduleClosure(tree, ['xen_netfront']).map((p) => p.split('/').pop()), ['xen-netfront.ko']);
});

t.test('an unknown module is an error naming it', async (t) => {
  const tree = fakeModulesTree(t, DEP);
  t.throws(() => moduleClosure(tree, ['no_such_mod']), /kernel module no_such_mod not found/);
});
