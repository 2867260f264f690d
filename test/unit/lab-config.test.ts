import t from 'tap';
import { qemuArgs } from '../../lab/qemu.js';
import { testGuestConfig, guestKernel } from '../../lab/guest-kit.js';

const images = {
  xen: '/c/xen.elf',
  dom0Kernel: '/c/vmlinuz',
  dom0Initrd: '/c/initrd.gz',
  guestKernel: '/c/vmlinux',
  guestInitrd: '/c/g.gz',
  kernelVersion: '6.1',
};

t.test('QEMU boots Xen by multiboot with dom0 kernel and initramfs as modules', async (t) => {
  const a = qemuArgs(images, { hostPort: 4242, servicePort: 4343, memoryMiB: 4096, dom0MemoryMiB: 1536, cpus: 2 });
  const at = (flag: string): string | undefined => a[a.indexOf(flag) + 1];
  t.equal(at('-kernel'), '/c/xen.elf');
  t.match(at('-initrd'), /^\/c\/vmlinuz console=hvc0 .*labboot=\S+boot\.sh labrun=\S+ labproject=\S+,\/c\/initrd\.gz$/);
  t.ok(a.some((x) => /mount_tag=project,.*readonly=on/.test(x)), 'the project shared once more (cached in dom0), read-only');
  t.match(at('-append'), /dom0_mem=1536M,max:1536M/);
  t.match(at('-netdev'), /hostfwd=tcp:127\.0\.0\.1:4242-:7000,hostfwd=tcp:127\.0\.0\.1:4343-:7001/, 'the agent, and a service port on loopback only');
  t.match(at('-cpu'), /\+svm/, 'Xen needs SVM exposed by TCG');
  t.ok(a.includes('-no-reboot'));
});

t.test('paths with commas or spaces are refused (they would split the multiboot list)', async (t) => {
  t.throws(() => qemuArgs({ ...images, dom0Initrd: '/c/a,b' }, { hostPort: 1, servicePort: 2, memoryMiB: 1, dom0MemoryMiB: 1, cpus: 1 }), /spaces or commas/);
  t.throws(() => qemuArgs({ ...images, xen: '/c/a b' }, { hostPort: 1, servicePort: 2, memoryMiB: 1, dom0MemoryMiB: 1, cpus: 1 }), /spaces or commas/);
});

t.test('the test guest config is a PV guest with the kit and the vifs asked for', async (t) => {
  const cfg = testGuestConfig({ name: 'g1', memory: 128, vifs: ['bridge=xenbr0,mac=00:16:3e:00:00:01'] });
  t.match(cfg, /^name = "g1"$/m);
  t.match(cfg, /^type = "pv"$/m);
  t.match(cfg, new RegExp(`^kernel = "${guestKernel}"$`, 'm'));
  t.match(cfg, /^memory = 128$/m);
  t.match(cfg, /^vif = \[ "bridge=xenbr0,mac=00:16:3e:00:00:01" \]$/m);
});

t.test('names and values that would inject config lines are refused', async (t) => {
  t.throws(() => testGuestConfig({ name: 'a"; kernel="/x' }), /invalid guest name/);
  t.throws(() => testGuestConfig({ name: 'a\nb' }), /invalid guest name/);
  t.throws(() => testGuestConfig({ name: 'ok', vifs: ['bridge=x"\nkernel="/evil'] }), /invalid value/);
});
