// What the golden OpenFlow capture does to the switch, shared by the script that captures
// (capture-openflow.ts) and the test that checks the captured bytes (flows-golden.test.ts),
// so the test knows which flows the captured flow-stats reply must hold.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Flow } from '../../controller/openflow/model.js';

export const GOLDEN_DIR = join(import.meta.dirname, '..', 'fixtures', 'openflow');
export const GOLDEN_COOKIE = 0x601dn;
/** Injected by the capture proxy: the switch's echo reply must carry it back. */
export const GOLDEN_ECHO_XID = 0xec0;
export const GOLDEN_ECHO_DATA = Buffer.from('golden echo');
/** The veth ports on the bridge before the controller connects, and the one added after (its PORT_STATUS). */
export const GOLDEN_PORTS = ['gold-a', 'gold-b'] as const;
export const GOLDEN_ADDED_PORT = 'gold-c';

/** Every match field and action the model has; ports are filled in from the capture's meta.json. */
export function goldenFlows(a: number, b: number): Flow[] {
  return [
    { table: 0, priority: 100, match: { inPort: a, ethType: 0x0800, ipProto: 17, ipv4Src: { addr: '10.1.0.0', len: 16 }, ipv4Dst: { addr: '10.2.3.4', len: 32 }, udpSrc: 53, udpDst: 5353 }, actions: [{ type: 'push_vlan', ethertype: 0x8100 }, { type: 'set_vlan_vid', vid: 42 }, { type: 'output', port: b }] },
    { table: 0, priority: 90, match: { inPort: b, vlanVid: 42 }, actions: [{ type: 'pop_vlan' }, { type: 'output', port: a }] },
    { table: 0, priority: 80, match: { ethType: 0x0800, ipProto: 6, tcpDst: 80 }, actions: [{ type: 'output', port: 'CONTROLLER' }] },
    { table: 0, priority: 1, match: {}, actions: [] },
  ];
}

/** A flow the switch refuses (group 99 does not exist): the capture's OFPT_ERROR. */
export const goldenRefused = (a: number): Flow => ({ table: 0, priority: 200, match: { inPort: a }, actions: [{ type: 'group', group: 99 }] });

export interface GoldenMeta {
  ovsVersion: string;
  datapathId: string;
  ports: Record<string, number>;
  /** fixture name -> what it is */
  messages: Record<string, string>;
}

export function readMeta(): GoldenMeta {
  return JSON.parse(readFileSync(join(GOLDEN_DIR, 'meta.json'), 'utf8')) as GoldenMeta;
}

/** A fixture's messages, one per line (a multipart reply's parts). */
export function readGoldenMessages(name: string): Buffer[] {
  const text = readFileSync(join(GOLDEN_DIR, `${name}.hex`), 'utf8');
  return text.split('\n').filter((l) => l.trim() && !l.startsWith('#')).map((l) => Buffer.from(l.trim(), 'hex'));
}
