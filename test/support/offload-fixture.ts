// The records of test/fixtures/offload/tiny.pcap (written by bench/offload/make-fixture.ts
// with controller/offload's writer): 7 frames over 4 one-second bins, one ARP, one VLAN-tagged.
import { ethernetIpv4Frame } from '../../controller/offload/pcap.js';

const ip = (a: number, b: number, c: number, d: number): number => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
const SRC = ip(10, 9, 9, 9);

function vlanTagged(frame: Uint8Array, vid: number): Uint8Array {
  const f = new Uint8Array(frame.length + 4);
  f.set(frame.subarray(0, 12));
  f.set([0x81, 0x00, vid >> 8, vid & 255], 12);
  f.set(frame.subarray(12), 16);
  return f;
}

const ARP = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06, ...new Array<number>(28).fill(0)]);

export function fixtureRecords(): { seconds: number; fraction: number; data: Uint8Array }[] {
  return [
    { seconds: 1000, fraction: 0, data: ethernetIpv4Frame(SRC, ip(10, 0, 1, 5)) },
    { seconds: 1000, fraction: 200_000, data: ethernetIpv4Frame(SRC, ip(10, 0, 1, 9)) },
    { seconds: 1000, fraction: 500_000, data: ethernetIpv4Frame(SRC, ip(192, 168, 7, 1)) },
    { seconds: 1000, fraction: 900_000, data: ARP },
    { seconds: 1001, fraction: 100_000, data: ethernetIpv4Frame(SRC, ip(10, 0, 1, 200)) },
    { seconds: 1001, fraction: 300_000, data: vlanTagged(ethernetIpv4Frame(SRC, ip(172, 16, 0, 1)), 100) },
    { seconds: 1003, fraction: 50_000, data: ethernetIpv4Frame(SRC, ip(192, 168, 7, 77)) },
  ];
}
