// The two-module chain setup shared by the flows tests and bench/flows: a private OVS
// bridge; namespaces "net" (the outside world, 10.77.0.1) and "sink" (10.77.0.2) with
// veths into it; and two processing-module stand-ins, each a namespace whose one veth
// reflects every frame back out unchanged (tc mirred: the Click config
// FromDevice(0) -> ToDevice(0) of a forwarding ClickOS guest, VLAN tag included). The
// allocation sends net→sink through A then B and sink→net back through B then A, both
// on the modules' single vifs, told apart by VLAN (D3.2 §2.2.6, docs/platform.md). Static ARP entries keep
// ARP out of the picture: with fail-mode secure nothing moves without our flows.
import { execa, type ResultPromise } from 'execa';

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
import { ns, startOvs, type PrivateOvs } from './ovs.js';

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
    const macs: Record<string, string> = {};
    for (const [side, ip] of [['net', '10.77.0.1'], ['sink', '10.77.0.2']] as const) {
      await ns(nsNames[side], 'ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0');
      macs[side] = JSON.parse((await ns(nsNames[side], 'ip', '-j', 'link', 'show', 'eth0')).stdout)[0].address;
    }
    await ns(nsNames.net, 'ip', 'neigh', 'replace', '10.77.0.2', 'lladdr', macs.sink, 'dev', 'eth0', 'nud', 'permanent');
    await ns(nsNames.sink, 'ip', 'neigh', 'replace', '10.77.0.1', 'lladdr', macs.net, 'dev', 'eth0', 'nud', 'permanent');
    for (const m of [nsNames.a, nsNames.b]) {
      await ns(m, 'tc', 'qdisc', 'add', 'dev', 'eth0', 'ingress');
      await ns(m, 'tc', 'filter', 'add', 'dev', 'eth0', 'parent', 'ffff:', 'protocol', 'all', 'u32', 'match', 'u32', '0', '0',
        'action', 'mirred', 'egress', 'redirect', 'dev', 'eth0');
    }
    const echo: ResultPromise = execa('ip', ['netns', 'exec', nsNames.sink, 'python3', '-c', ECHO], { reject: false, stdio: 'ignore' });
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
      ping: async () => (await execa('ip', ['netns', 'exec', nsNames.net, 'python3', '-c', SEND], { reject: false })).exitCode === 0,
      stop: async () => {
        echo.kill('SIGKILL');
        await echo;
        await ovs.stop();
      },
    };
  } catch (e) {
    await ovs.stop();
    throw e;
  }
}
