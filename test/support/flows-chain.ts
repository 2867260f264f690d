// The two-module chain setups shared by the flows, resourced and webd tests, the lab
// tests and bench/flows. The outside world is two namespaces, "net" (10.77.0.1) and
// "sink" (10.77.0.2, a UDP echo on port 5000), each with a veth into a switch in
// fail-mode secure; static ARP entries keep ARP out of the picture, so nothing moves
// without our flows. The allocation sends net→sink through module a then b and sink→net
// back through b then a (D3.2 §2.2.6, docs/platform.md). Two kinds of modules:
// - startChainLab (openflowd's tests): each module a namespace whose one veth reflects
//   every frame back out unchanged (tc mirred: the Click config FromDevice(0) ->
//   ToDevice(0) of a forwarding ClickOS guest, VLAN tag included); both directions on
//   that one vif, told apart by VLAN.
// - startVifChainLab (resourced's and webd's tests, whose module hosts are the hostd
//   STAND-INs of test/support/resourced-standin.ts): guest k's vifs are veths named as
//   Xen names vifs, vif<k>.0 and vif<k>.1, bridged inside the module's namespace as the
//   lab's ClickOS guest running FWD_SRC forwards between them.
// startEchoPair alone serves the lab tests, whose net and sink hang off dom0's switch.
import { execa, type ResultPromise } from 'execa';
import { flowLines, ns, startOvs, type PrivateOvs } from './ovs.js';

// SO_NO_CHECK: send UDP without a checksum, so veth checksum offload (a partial checksum
// the userspace datapath passes on as is) cannot make the receiver drop the datagram
export const ECHO = `import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 11, 1)
s.bind(('0.0.0.0', 5000))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(d, a)
`;
export const SEND = `import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 11, 1)
s.settimeout(1)
for i in range(3):
    s.sendto(b'through-the-chain', ('10.77.0.2', 5000))
    try:
        d, a = s.recvfrom(2048)
        sys.exit(0 if d == b'through-the-chain' else 2)
    except socket.timeout:
        pass
sys.exit(1)
`;

export const NET_IP = '10.77.0.1';
export const SINK_IP = '10.77.0.2';

/** The forwarding module type (named Fwd in the requests): port 0 to port 1 and back. */
export const FWD_SRC = 'in0 :: FromDevice(0);\nout1 :: ToDevice(1);\nin1 :: FromDevice(1);\nout0 :: ToDevice(0);\nin0 -> out1;\nin1 -> out0;\n';

/**
 * Both directions between switch ports `net` and `sink` through modules a and b of type
 * Fwd (FWD_SRC), in on their vif 0 and out on vif 1 going to sink, the reverse coming
 * back. `toSink` replaces the ToNet port (a port the switch lacks: a refused request),
 * `dst` the destination (other flows than a first allocation's of the same match).
 */
export function fwdChainRequest(net: string, sink: string, toSink = sink, dst = SINK_IP): string {
  return `BASESYS=xen.clickos
fwd :: FromNet("ip,in_port=${net},nw_dst=${dst}")
rev :: FromNet("ip,in_port=${sink},nw_src=${dst}")
tosink :: ToNet("${toSink}")
tonet :: ToNet("${net}")
fwd -> [0]a :: Fwd() [1] -> [0]b :: Fwd() [1] -> tosink
rev -> [1]b[0] -> [1]a[0] -> tonet
`;
}

export interface EchoPair {
  /** one UDP datagram net→sink:5000 (retried 3 times); true when sink's echo came back */
  ping(): Promise<boolean>;
  /** stops the echo (the namespaces are their switch's to remove) */
  stop(): Promise<void>;
}

/**
 * Namespaces `net` and `sink`, whose eth0 (MAC in `macs`) has NET_IP / SINK_IP already:
 * each learns the other's MAC for good, and sink answers UDP port 5000.
 */
export async function startEchoPair(nsNames: { net: string; sink: string }, macs: { net: string; sink: string }): Promise<EchoPair> {
  await execa('ip', ['-n', nsNames.net, 'neigh', 'replace', SINK_IP, 'lladdr', macs.sink, 'dev', 'eth0', 'nud', 'permanent']);
  await execa('ip', ['-n', nsNames.sink, 'neigh', 'replace', NET_IP, 'lladdr', macs.net, 'dev', 'eth0', 'nud', 'permanent']);
  const echo: ResultPromise = execa('ip', ['netns', 'exec', nsNames.sink, 'python3', '-c', ECHO], { reject: false, stdio: 'ignore' });
  return {
    ping: async () => (await execa('ip', ['netns', 'exec', nsNames.net, 'python3', '-c', SEND], { reject: false })).exitCode === 0,
    stop: async () => {
      echo.kill('SIGKILL');
      await echo.catch(() => {});
    },
  };
}

/** startEchoPair on namespaces of a private switch: gives their eth0 the addresses first. */
async function addressedEchoPair(nsNames: { net: string; sink: string }): Promise<EchoPair> {
  const macs = { net: '', sink: '' };
  for (const [side, ip] of [['net', NET_IP], ['sink', SINK_IP]] as const) {
    await ns(nsNames[side], 'ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0');
    macs[side] = JSON.parse((await ns(nsNames[side], 'ip', '-j', 'link', 'show', 'eth0')).stdout)[0].address;
  }
  return startEchoPair(nsNames, macs);
}

export interface ChainLab {
  ovs: PrivateOvs;
  ports: { net: number; sink: number; a: number; b: number };
  names: { net: string; sink: string; a: string; b: string };
  nsNames: { net: string; sink: string; a: string; b: string };
  request: string;
  /** one UDP datagram net→sink:5000 (retried 3 times); true when sink's echo came back */
  ping(): Promise<boolean>;
  stop(): Promise<void>;
}

let counter = 0;

export async function startChainLab(label: string, opts: { controllerLink?: boolean } = {}): Promise<ChainLab> {
  const tag = `${label}${process.pid % 100000}${counter++}`.slice(0, 12);
  const ovs = await startOvs(tag, opts);
  try {
    const names = { net: `${tag}n`, sink: `${tag}s`, a: `${tag}a`, b: `${tag}b` };
    const nsNames = { net: `fl-${tag}-net`, sink: `fl-${tag}-sink`, a: `fl-${tag}-a`, b: `fl-${tag}-b` };
    const ports = {
      net: await ovs.addVethPort(names.net, 'eth0', nsNames.net),
      sink: await ovs.addVethPort(names.sink, 'eth0', nsNames.sink),
      a: await ovs.addVethPort(names.a, 'eth0', nsNames.a),
      b: await ovs.addVethPort(names.b, 'eth0', nsNames.b),
    };
    for (const m of [nsNames.a, nsNames.b]) {
      await ns(m, 'tc', 'qdisc', 'add', 'dev', 'eth0', 'ingress');
      await ns(m, 'tc', 'filter', 'add', 'dev', 'eth0', 'parent', 'ffff:', 'protocol', 'all', 'u32', 'match', 'u32', '0', '0',
        'action', 'mirred', 'egress', 'redirect', 'dev', 'eth0');
    }
    const ends = await addressedEchoPair(nsNames);
    const request = `BASESYS=xen.clickos
fwd :: FromNet("ip,in_port=${names.net},nw_dst=10.77.0.2")
rev :: FromNet("ip,in_port=${names.sink},nw_src=10.77.0.2")
tosink :: ToNet("${names.sink}")
tonet :: ToNet("${names.net}")
fwd -> [0]a :: Forwarder() [0] -> [0]b :: Forwarder() [0] -> tosink
rev -> [1]b[1] -> [1]a[1] -> tonet
`;
    return {
      ovs, ports, names, nsNames, request,
      ping: ends.ping,
      stop: async () => {
        await ends.stop();
        await ovs.stop();
      },
    };
  } catch (e) {
    await ovs.stop();
    throw e;
  }
}

export interface VifChainLab {
  ovs: PrivateOvs;
  /** the switch ports of net and sink: `<tag>n` and `<tag>s` (the requests name them) */
  net: string;
  sink: string;
  /** fwdChainRequest between net and sink */
  request(toSink?: string, dst?: string): string;
  /** one UDP datagram net→sink:5000 (retried 3 times); true when sink's echo came back */
  ping(): Promise<boolean>;
  /** the switch's flows, one line each; `filter` in ovs-ofctl's syntax (e.g. cookie=5/-1) */
  dump(...filter: string[]): Promise<string[]>;
  /** the flows under exactly this cookie */
  flows(cookie: number): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * A private switch (startOvs(tag): names unique to the caller's tag) with net and sink,
 * and the vifs of the stand-in hostd's guests 1..`guests` (domids in create order),
 * each guest's two bridged in a namespace of its own. stop() removes it all; a failed
 * start removes what it made.
 */
export async function startVifChainLab(tag: string, o: { guests?: number } = {}): Promise<VifChainLab> {
  const ovs = await startOvs(tag);
  let ends: EchoPair | undefined;
  const stop = async (): Promise<void> => {
    await ends?.stop();
    await ovs.stop();
  };
  try {
    const net = `${tag}n`;
    const sink = `${tag}s`;
    const nsNames = { net: `${ovs.swNs}-net`, sink: `${ovs.swNs}-sink` };
    await ovs.addVethPort(net, 'eth0', nsNames.net);
    await ovs.addVethPort(sink, 'eth0', nsNames.sink);
    for (let d = 1; d <= (o.guests ?? 2); d++) {
      const m = `${ovs.swNs}-m${d}`;
      for (const k of [0, 1]) await ovs.addVethPort(`vif${d}.${k}`, `eth${k}`, m);
      await ns(m, 'ip', 'link', 'add', 'br0', 'type', 'bridge');
      for (const k of [0, 1]) await ns(m, 'ip', 'link', 'set', `eth${k}`, 'master', 'br0');
      await ns(m, 'ip', 'link', 'set', 'br0', 'up');
    }
    ends = await addressedEchoPair(nsNames);
    const dump = (...filter: string[]): Promise<string[]> => flowLines(ovs.target, ...filter);
    return {
      ovs, net, sink,
      request: (toSink, dst) => fwdChainRequest(net, sink, toSink, dst),
      ping: ends.ping,
      dump,
      flows: (cookie) => dump(`cookie=${cookie}/-1`),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
