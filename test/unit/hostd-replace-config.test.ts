// replace_config's order and rollback (hostd/commands/replace_config.ts), run against a
// STAND-IN for guests/'s ClickosGuests: an in-memory PM whose routers follow ClickOS's
// states (install → Halted, start → Running, a config marked INIT-FAILS refused at start
// as ClickOS refuses one it cannot initialise) and that records every call. Real
// ClickOS guests need Xen: test/lab/hostd.test.ts runs the same method in dom0.
import t from 'tap';
import replaceConfig from '../../hostd/commands/replace_config.js';
import { GuestError } from '../../guests/index.js';
import type { HostdServices } from '../../hostd/services.js';

function standinGuests(running: number[]) {
  const routers = new Map<number, { status: string; config: string }>(running.map((r) => [r, { status: 'Running', config: 'old' }]));
  const calls: string[] = [];
  const guests = {
    check: (config: string) => {
      if (config.includes('NOT-CLICK')) throw new Error('config:1:1: unknown element class');
    },
    routers: async () => [...routers].map(([rid, r]) => ({ rid, status: r.status })),
    install: async (_d: number, config: string) => {
      let rid = 0;
      while (routers.has(rid)) rid++;
      routers.set(rid, { status: 'Halted', config });
      calls.push(`install ${rid}`);
      return rid;
    },
    start: async (_d: number, rid: number) => {
      calls.push(`start ${rid}`);
      if (routers.get(rid)!.config.includes('INIT-FAILS')) throw new GuestError(`router ${rid} failed to initialise`);
      routers.get(rid)!.status = 'Running';
      return { confirmed: true };
    },
    stop: async (_d: number, rid: number) => {
      calls.push(`stop ${rid}`);
      routers.get(rid)!.status = 'Halted';
      return { confirmed: true };
    },
    remove: async (_d: number, rid: number) => {
      calls.push(`remove ${rid}`);
      routers.delete(rid);
    },
  };
  const services = {
    config: { guests: { maxConfigBytes: 1000 } },
    registry: { find: async (ref: number | string) => (ref === 7 || ref === 'pm7' ? { domid: 7, name: 'pm7' } : undefined) },
    guests,
  } as unknown as HostdServices;
  const ctx = { daemon: 'hostd', who: 'client', services, log: () => {} };
  return { routers, calls, run: async (arg: Record<string, unknown>) => (await replaceConfig.run(arg as never, ctx as never)) as { code: number; message: string; value: any } };
}

t.test('the new router is installed, the old stopped, the new started, the old removed', async (t) => {
  const g = standinGuests([0]);
  const rv = await g.run({ pm: 'pm7', config: 'new' });
  t.same(rv, { code: 0, message: 'router 1 of pm7 running; 0 removed', value: { rid: 1, replaced: [0], confirmed: true } });
  t.same(g.calls, ['install 1', 'stop 0', 'start 1', 'remove 0'], 'the old one stops before the new one opens the same vifs; removed only once the new one runs');
  t.same([...g.routers].map(([rid, r]) => [rid, r.status, r.config]), [[1, 'Running', 'new']]);
});

t.test('a new config that fails to start: removed, the old one runs again', async (t) => {
  const g = standinGuests([0]);
  const rv = await g.run({ pm: 7, config: 'INIT-FAILS' });
  t.equal(rv.code, 1);
  t.match(rv.message, /the new config did not start \(router 1 failed to initialise\); it was removed and the old router\(s\) 0 run again/);
  t.same(g.calls, ['install 1', 'stop 0', 'start 1', 'remove 1', 'start 0']);
  t.same([...g.routers].map(([rid, r]) => [rid, r.status, r.config]), [[0, 'Running', 'old']], 'as before');
});

t.test('refusals touch nothing', async (t) => {
  const g = standinGuests([0]);
  t.match(await g.run({ pm: 7, config: 'NOT-CLICK' }), { code: 1, value: { error: 'refused' }, message: /unknown element class/ }, 'the checker\'s');
  t.match(await g.run({ pm: 7, config: 'x'.repeat(1001) }), { code: 1, value: { error: 'refused' } }, 'larger than guests.maxConfigBytes');
  t.match(await g.run({ pm: 8, config: 'new' }), { code: 1, value: { error: 'pm_not_found' } });
  t.same(g.calls, [], 'no call reached the guest');
});

t.test('a PM with no running router: the new one just starts', async (t) => {
  const g = standinGuests([]);
  t.same((await g.run({ pm: 7, config: 'new' })).value, { rid: 0, replaced: [], confirmed: true });
  t.same(g.calls, ['install 0', 'start 0']);
});
