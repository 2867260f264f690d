// Each daemon's API module (daemon/contract.ts) against what it describes: the README
// method tables are the ones generated from it (UPDATE_API_TABLES=1 rewrites them), the
// compiled method folders hold exactly its methods with its schemas, and the typed
// schemas check and outline values as declared.
import t from 'tap';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { apiTables, methodNames, s, shippedFolder, withTables, type Api, type Infer } from '../../daemon/index.js';
import { MethodLoader } from '../../daemon/loader.js';
import { hostdApi } from '../../hostd/api.js';
import { resourcedApi } from '../../controller/resourced/api.js';
import { monitordApi } from '../../controller/monitord/api.js';
import { openflowdApi } from '../../controller/openflowd/api.js';
import { projectRoot } from '../../lab/paths.js';

// `section`: the heading a README documenting several daemons has each table under.
const daemons: Array<{ api: Api; readme: string; dir: string; section?: string }> = [
  { api: hostdApi, readme: 'hostd/README.md', dir: 'hostd' },
  { api: resourcedApi, readme: 'controller/resourced/README.md', dir: 'controller/resourced' },
  { api: monitordApi, readme: 'controller/README.md', dir: 'controller/monitord', section: '## monitord' },
  { api: openflowdApi, readme: 'controller/README.md', dir: 'controller/openflowd', section: '### As a daemon of its own' },
];

for (const d of daemons) {
  t.test(`${d.api.daemon}: README table`, async (t) => {
    const file = join(projectRoot, d.readme);
    const text = await readFile(file, 'utf8');
    const want = withTables(text, apiTables(d.api), d.section);
    if (process.env.UPDATE_API_TABLES === '1' && want !== text) await writeFile(file, want);
    else t.equal(text, want, `${d.readme} has the table generated from the API (UPDATE_API_TABLES=1 to regenerate)`);
  });

  t.test(`${d.api.daemon}: the compiled methods are the API's`, async (t) => {
    const probe = methodNames(d.api)[0]!;
    const loader = new MethodLoader({ daemon: shippedFolder(new URL(`../../${d.dir}/api.js`, import.meta.url).href, d.dir, probe) });
    t.same([...(await loader.list('command')), ...(await loader.list('task'))].sort(), methodNames(d.api), 'no method missing, none unlisted');
    for (const name of methodNames(d.api)) {
      const spec = d.api.methods[name]!;
      const loaded = spec.kind === 'task' ? await loader.task(name) : await loader.command(name);
      t.ok(loaded, `${name} is a ${spec.kind}`);
      // The compiled file has its own instance of the (compiled) API module: compared by what the schemas say.
      t.equal(loaded?.def.params.describe, spec.params.describe, `${name} checks the API's argument schema`);
      t.equal(loaded?.def.result?.describe, spec.result.describe, `${name} declares the API's result schema`);
    }
  });
}

t.test('typed schemas: checks, outlines, inferred types', async (t) => {
  const vif = s.struct({ bridge: s.str(), mac: s.optional(s.str()) });
  const arg = s.struct({ name: s.str(), vifs: s.optional(s.array(vif)), n: s.int({ min: 1 }) });
  const ok: Infer<typeof arg> = { name: 'a', n: 1 }; // mac and vifs may be left out
  t.equal(arg.check(ok, 'p'), undefined);
  t.equal(arg.check({ name: 'a', n: 0 }, 'p'), 'p.n: must be >= 1');
  t.equal(arg.check({ name: 'a', n: 1, x: 1 }, 'p'), 'p: unexpected member "x"');
  t.equal(arg.outline, '{name, vifs?: [{bridge, mac?}], n}');
  const m = s.map(s.int(), { key: /^[a-z]+$/ });
  t.equal(m.check({ a: 1, b: 2 }, 'p'), undefined);
  t.equal(m.check({ A: 1 }, 'p'), 'p: member "A" does not match /^[a-z]+$/');
  t.equal(s.titled(s.int(), 'an id').outline, 'an id');
});

t.test('every error code a daemon declares is documented by its API', async (t) => {
  for (const d of daemons) for (const [code, what] of Object.entries(d.api.errors)) t.match(code, /^[a-z_]+$/, `${d.api.daemon}: ${code}: ${what}`);
  t.ok('pm_not_found' in hostdApi.errors, 'resourced treats pm_not_found as already deleted');
});
