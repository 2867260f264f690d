// `vagrant validate` on the Vagrantfile (Debian's vagrant package). Offline: no box or
// provider is contacted; the dot-file folder is a temporary one so the checkout stays clean.
import t from 'tap';
import { copyFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';

const ROOT = join(import.meta.dirname, '..', '..');
const inCI = process.env.CI === 'true';

async function hasBinary(name: string): Promise<boolean> {
  return (await execa('sh', ['-c', 'command -v "$1"', 'sh', name], { reject: false })).exitCode === 0;
}

function validate(cwd: string, dotfiles: string) {
  // --ignore-provider: validation must not depend on a provider being usable here (none is, offline).
  return execa('vagrant', ['validate', '--ignore-provider'], {
    cwd,
    reject: false,
    all: true,
    env: { VAGRANT_CWD: cwd, VAGRANT_DOTFILE_PATH: dotfiles, VAGRANT_CHECKPOINT_DISABLE: '1', VAGRANT_NO_COLOR: '1' },
  });
}

const haveVagrant = await hasBinary('vagrant');
// Absent on a developer machine: skipped with the reason. Absent in CI: a failure.
const skipVagrant = !haveVagrant && !inCI ? 'vagrant is not installed here (apt-get install vagrant); with CI=true this fails' : false;

t.test('vagrant validate', { skip: skipVagrant }, async (t) => {
  if (!haveVagrant) {
    t.fail('vagrant is not installed; CI must install it (apt-get install vagrant)');
    return;
  }
  const r = await validate(ROOT, t.testdir());
  t.equal(r.exitCode, 0, r.all);
  t.match(r.all, /Vagrantfile validated successfully/);

  // The same Vagrantfile without its provisioning scripts must not validate: the check is real.
  const bare = t.testdir({});
  copyFileSync(join(ROOT, 'Vagrantfile'), join(bare, 'Vagrantfile'));
  const broken = await validate(bare, join(bare, '.dot'));
  t.not(broken.exitCode, 0, 'missing provisioning scripts are reported');
  t.match(broken.all, /vagrant\/base\.sh/);
});

t.test('the Vagrantfile: four machines, every provisioning script it names exists', async (t) => {
  const text = readFileSync(join(ROOT, 'Vagrantfile'), 'utf8');
  for (const m of ['controller', 'switch', 'host1', 'host2']) t.match(text, new RegExp(`'${m}' => \\{`), m);
  const paths = [...text.matchAll(/path: '(vagrant\/[\w.-]+\.sh)'/g)].map((m) => m[1]);
  t.same([...new Set(paths)].sort(), ['vagrant/base.sh', 'vagrant/clickos.sh', 'vagrant/dom0.sh', 'vagrant/hostd.sh', 'vagrant/project.sh', 'vagrant/switch.sh', 'vagrant/xen.sh']);
  for (const p of paths) t.ok(existsSync(join(ROOT, p)), p);
  t.match(text, /path: 'vagrant\/xen\.sh', env: host_env, reboot: true/, 'reboot into Xen after installing it');
  // The dom0 sequence is the lab's own script, not a copy.
  t.match(readFileSync(join(ROOT, 'vagrant', 'dom0.sh'), 'utf8'), /\. \/vagrant\/lab\/dom0\/xen-dom0\.sh/);
  t.match(readFileSync(join(ROOT, 'lab', 'dom0', 'boot.sh'), 'utf8'), /source "\$\(dirname "\$\{BASH_SOURCE\[0\]\}"\)\/xen-dom0\.sh"/);
  t.ok(readdirSync(join(ROOT, 'vagrant', 'clickos')).some((f) => f.endsWith('.click')), 'configs for the lab image');
});
