// Parsers over outputs recorded from xl 4.17 in the lab (test/fixtures/xl/).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseInfo, parseList, parseListLong, parseNetworkList, parseUptime } from '../../toolstack/xl-output.js';

const fixture = (f: string): string => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'xl', f), 'utf8');

t.test('xl list', async (t) => {
  const doms = parseList(fixture('list.txt'));
  t.equal(doms.length, 2);
  t.match(doms[0], { name: 'Domain-0', domid: 0, memoryMiB: 1536, vcpus: 2, stateText: 'r-----', state: { running: true, paused: false } });
  t.match(doms[1], { name: 'rec1', domid: 1, memoryMiB: 96, vcpus: 1 });
  t.ok(doms[1]!.cpuSeconds > 0);
  t.throws(() => parseList('garbage'), SyntaxError);
});

t.test('xl list -l', async (t) => {
  const doms = parseListLong(fixture('list-l.json'));
  t.same(doms.map((d) => d.domid), [0, 1]);
  t.equal(doms[1]!.uuid, 'd3fd85f4-eafc-4a39-b9da-5413a8c09824');
  t.equal(doms[1]!.type, 'pv');
  t.match(doms[1]!.config, { b_info: { max_memkb: 98304 } });
  t.throws(() => parseListLong('(domain (domid 0))'), SyntaxError, 'SXP from an old xl is not JSON');
});

t.test('xl info', async (t) => {
  const info = parseInfo(fixture('info.txt'));
  t.equal(info.xenMajor, 4);
  t.equal(info.xenMinor, 17);
  t.match(info.xenVersion, /^4\.17/);
  t.equal(info.nrCpus, 2);
  t.ok(info.totalMemoryMiB >= info.freeMemoryMiB && info.freeMemoryMiB > 0);
  t.ok(info.raw.xen_caps);
});

t.test('xl uptime, with and without days', async (t) => {
  t.same(parseUptime(fixture('uptime.txt')), [
    { name: 'Domain-0', domid: 0, seconds: 34 },
    { name: 'rec1', domid: 1, seconds: 17 },
  ]);
  t.same(parseUptime('Name ID Uptime\ng 3  2 days,  1:02:03\nh 4  1 day, 0:00:01\n'), [
    { name: 'g', domid: 3, seconds: 2 * 86400 + 3723 },
    { name: 'h', domid: 4, seconds: 86401 },
  ]);
});

t.test('xl network-list', async (t) => {
  t.same(parseNetworkList(fixture('network-list.txt')), [
    { devid: 0, backendDomid: 0, mac: '00:16:3e:00:00:11', handle: 0, state: 4, eventChannel: -1, txRingRef: 520, rxRingRef: 521, backendPath: '/local/domain/0/backend/vif/1/0' },
  ]);
});
