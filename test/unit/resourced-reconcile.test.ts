// planReconcile (controller/resourced/reconcile.ts): what resourced decides, given its
// records and what the hosts and the switch hold.
import t from 'tap';
import { allocationOfPm, planReconcile, type Observed } from '../../controller/resourced/reconcile.js';
import type { AllocationRecord, PmRecord } from '../../controller/resourced/allocations.js';

const pm = (name: string, host = 'h1', status: PmRecord['status'] = 'created'): PmRecord => ({ module: name.split('-').pop()!, type: 'Fwd', host, name, domid: status === 'created' ? 5 : null, status, vifs: [] });
const rec = (id: number, state: AllocationRecord['state'], pms: PmRecord[]): AllocationRecord =>
  ({ id, state, pms, request: '', parsed: {} as never, planned: new Map(), createdAt: '' });
const seen = (hosts: Record<string, string[] | null>, cookies: number[] | null = null): Observed => ({
  pmsByHost: new Map(Object.entries(hosts)),
  cookies: cookies && cookies.map(BigInt),
});

t.test('names and cookies of ours', async (t) => {
  t.equal(allocationOfPm('rd', 'rd-12-1-fw'), 12);
  t.equal(allocationOfPm('rd', 'rd-x-1-fw'), undefined);
  t.equal(allocationOfPm('rd', 'other-1-1-fw'), undefined, 'another prefix is not ours');
  t.equal(allocationOfPm('rd', 'rdx-1-1-fw'), undefined);
});

t.test('interrupted installs are rolled back, interrupted deletes finished, finished installs adopted', async (t) => {
  const plan = planReconcile(
    [rec(1, 'installing', [pm('rd-1-1-a'), pm('rd-1-2-b', 'h1', 'creating')]), rec(2, 'steering', [pm('rd-2-1-a')]), rec(3, 'deleting', [pm('rd-3-1-a')]), rec(4, 'installed', [pm('rd-4-1-a')])],
    new Set(),
    seen({ h1: ['rd-1-1-a', 'rd-2-1-a', 'rd-3-1-a', 'rd-4-1-a'] }, [1, 2, 3, 4]),
    'rd',
    5,
  );
  t.same(plan.map((a) => [a.kind, a.allocation]), [['roll_back_install', 1], ['roll_back_install', 2], ['finish_delete', 3], ['adopt', 4]]);
});

t.test('orphans: PMs of ours no record owns are deleted, others\' PMs and cookies left alone', async (t) => {
  const plan = planReconcile(
    [rec(4, 'installed', [pm('rd-4-1-a')])],
    new Set(),
    seen({ h1: ['rd-4-1-a', 'rd-3-1-a', 'user-guest', 'rd-9-1-a'], h2: null }, [0, 3, 4, 42]),
    'rd',
    10,
  );
  t.same(
    plan.filter((a) => a.kind !== 'adopt').map((a) => [a.kind, a.allocation, a.pm ?? null]),
    [['delete_orphan_pm', 3, 'rd-3-1-a'], ['delete_orphan_pm', 9, 'rd-9-1-a'], ['remove_orphan_flows', 3, null]],
    'cookie 42 was never issued (ids below 10 were) and cookie 0 is nobody\'s: left alone',
  );
});

t.test('a PM missing at a host that answered marks its allocation degraded; an unreachable host proves nothing', async (t) => {
  const records = [rec(4, 'installed', [pm('rd-4-1-a', 'h1'), pm('rd-4-2-b', 'h2')]), rec(5, 'installed', [pm('rd-5-1-a', 'h2')])];
  const plan = planReconcile(records, new Set(), seen({ h1: [], h2: null }), 'rd', 6);
  t.same(plan.map((a) => [a.kind, a.allocation, a.pm ?? null]), [['degraded', 4, 'rd-4-1-a'], ['adopt', 5, null]]);
});

t.test('allocations this process is installing or deleting are left alone, their PMs and flows too', async (t) => {
  const plan = planReconcile([rec(7, 'installing', [pm('rd-7-1-a', 'h1', 'creating')])], new Set([7, 8]), seen({ h1: ['rd-7-1-a', 'rd-8-1-a'] }, [7, 8]), 'rd', 9);
  t.same(plan, []);
});

t.test('an installed allocation whose flows the switch lost gets them back; without a switch, nothing to check', async (t) => {
  const records = [rec(4, 'installed', [pm('rd-4-1-a')]), rec(5, 'installed', [pm('rd-5-1-a')])];
  const plan = planReconcile(records, new Set(), seen({ h1: ['rd-4-1-a', 'rd-5-1-a'] }, [5]), 'rd', 6);
  t.same(plan.map((a) => [a.kind, a.allocation]), [['restore_flows', 4], ['adopt', 5]]);
  const noSwitch = planReconcile(records, new Set(), seen({ h1: ['rd-4-1-a', 'rd-5-1-a'] }, null), 'rd', 6);
  t.same(noSwitch.map((a) => a.kind), ['adopt', 'adopt']);
  const back = planReconcile([{ ...records[0]!, degraded: 'PM rd-4-1-a missing' }], new Set(), seen({ h1: ['rd-4-1-a'] }, [4]), 'rd', 6);
  t.match(back, [{ kind: 'adopt', reason: /no longer degraded/ }], 'a degraded allocation found whole again is adopted and its mark cleared');
});

t.test('the low-level API\'s records: a PM has no flows of its own, connections have no PMs of their own', async (t) => {
  const lowPm = (id: number, state: AllocationRecord['state'], pms: PmRecord[]): AllocationRecord => ({ ...rec(id, state, pms), kind: 'pm', pm: { name: 'a', type: 'Fwd', vifs: 2 } });
  const conns = (id: number, state: AllocationRecord['state']): AllocationRecord => ({ ...rec(id, state, []), kind: 'connections', connections: { switchName: 'sw', table: 0 } });
  const plan = planReconcile(
    [lowPm(1, 'installed', [pm('rd-1-1-a')]), lowPm(2, 'installing', [pm('rd-2-1-b', 'h1', 'creating')]), conns(3, 'installed'), conns(4, 'steering'), conns(5, 'installed')],
    new Set(),
    // no flow carries cookie 1 (a PM) or 5 (connections whose flows the switch lost)
    seen({ h1: ['rd-1-1-a', 'rd-2-1-b'] }, [3, 4]),
    'rd',
    6,
  );
  t.same(plan.map((a) => [a.kind, a.allocation]), [['adopt', 1], ['roll_back_install', 2], ['adopt', 3], ['roll_back_install', 4], ['restore_flows', 5]], 'a PM is adopted without flows; interrupted create_pm/create_connections rolled back; lost connections restored');
  t.notOk(plan.some((a) => a.kind === 'delete_orphan_pm'), 'the PMs are owned by their records');
});

t.test("a balanced group's flows: known by its cookies, restored when lost; other generations and groups without a record are orphans", async (t) => {
  const { groupCookie } = await import('../../controller/balancer/cookies.js');
  const balanced = (generation: number) => ({ module: 'n', field: 'src' as const, replicas: ['n#1', 'n#2'], leaving: [], generation, defaultServer: 'n#1', leaves: [{ prefix: '0.0.0.0/0', server: 'n#1' }] });
  const grec = (id: number, generation: number): AllocationRecord => ({ ...rec(id, 'installed', [pm(`rd-${id}-1-n-1`), pm(`rd-${id}-2-n-2`)]), balanced: balanced(generation) });
  // no host asked: only the flows are judged here
  const cookies = (...c: bigint[]): Observed => ({ pmsByHost: new Map(), cookies: c });
  const g = (id: number, kind: 'rules' | 'migration', gen: number) => groupCookie(id, kind, gen);

  const whole = planReconcile([grec(4, 2)], new Set(), cookies(g(4, 'rules', 2), g(4, 'migration', 2)), 'rd', 6);
  t.same(whole.map((a) => [a.kind, a.allocation]), [['adopt', 4]], "the current generation's rules and idle-phase flows are the allocation's: adopted, nothing removed");

  const lost = planReconcile([grec(4, 2)], new Set(), cookies(g(4, 'rules', 1)), 'rd', 6);
  t.same(
    lost.map((a) => [a.kind, a.allocation, a.cookie ?? null]),
    [['restore_flows', 4, null], ['remove_orphan_flows', 4, `0x${g(4, 'rules', 1).toString(16)}`]],
    'its rules missing: restored; an older generation left over: removed by its cookie',
  );

  const orphan = planReconcile([], new Set(), cookies(g(3, 'rules', 0), g(9, 'rules', 0), 4n), 'rd', 6);
  t.same(orphan.map((a) => [a.kind, a.allocation, a.cookie ?? null]), [['remove_orphan_flows', 4, null], ['remove_orphan_flows', 3, `0x${g(3, 'rules', 0).toString(16)}`]], 'group 3 has no record: removed; group 9 was never issued (ids below 6 were): left alone');

  t.same(planReconcile([], new Set([3]), cookies(g(3, 'rules', 0)), 'rd', 6), [], "a group this process is working on is left alone");
  const some = planReconcile([], new Set(), cookies(g(5, 'rules', 0), 5n), 'rd', 6, [grec(5, 0)]);
  t.same(some, [], 'reconciling some hosts only: a record elsewhere still owns its flows (group and allocation cookies alike)');
});

t.test("a routing group's flows (0xB2): its base cookie is the routed allocation's; a group with no routed record is an orphan", async (t) => {
  const { routingCookie } = await import('../../controller/routing/cookies.js');
  const rrec = (id: number): AllocationRecord => ({ ...rec(id, 'installed', [pm(`rd-${id}-1-r`)]), parsed: { modules: [{ name: 'r', routed: {} }] } as never });
  const cookies = (...c: bigint[]): Observed => ({ pmsByHost: new Map(), cookies: c });
  const held = planReconcile([rrec(4)], new Set(), cookies(routingCookie(4, 'base'), routingCookie(4, 'prefix', 7), routingCookie(4, 'punt', 9)), 'rd', 6);
  t.same(held.map((a) => [a.kind, a.allocation]), [['adopt', 4]], 'its fixed flows, prefixes and punts are its own: adopted, nothing removed');
  const lost = planReconcile([rrec(4)], new Set(), cookies(routingCookie(4, 'prefix', 7)), 'rd', 6);
  t.same(lost.map((a) => a.kind), ['restore_flows'], 'its fixed flows missing: restored (the group starts again)');
  const orphan = planReconcile([], new Set(), cookies(routingCookie(3, 'prefix', 2), routingCookie(9, 'base')), 'rd', 6);
  t.same(orphan.map((a) => [a.kind, a.allocation, a.cookie ?? null]), [['remove_orphan_flows', 3, `0x${routingCookie(3, 'prefix', 2).toString(16)}`]], 'group 3 has no record: removed by cookie; group 9 was never issued: left alone');
  t.same(planReconcile([], new Set([3]), cookies(routingCookie(3, 'base')), 'rd', 6), [], 'a group this process is working on is left alone');
});
