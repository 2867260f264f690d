// `npm run demo -- --keep`'s page: the controller's daemons started in the lab's dom0, each
// its own process as in production (docs/architecture.md), so webd's page can be opened
// from the host through the lab's service port forward:
//   resourced (SQLite store), openflowd (ovs-ofctl on dom0's Open vSwitch bridge), hostd
//   (this dom0 as module host "lab"), monitord (host load and switch counters) and webd
//   on the service port. A forwarding module type is deployed with the `clickos` CLI, so an
//   allocation can be installed from the page's editor at once.
// Secrets are fresh for each run and written to .lab/run/page-login (0600): the page's login
// form takes them (never in a URL: controller/webd/README.md).
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from './lab.js';
import { clickosKernel } from './clickos-image.js';
import { labDir, projectRoot } from './paths.js';
import { SERVICE_PORT_IN_DOM0 } from './qemu.js';

/** dom0's switch for the page's allocations; hostd puts PM vifs on it. */
export const PAGE_BRIDGE = 'xenovs0';
const DIR = '/run/clickos-page';
const PORT = { resourced: 7010, openflowd: 7030, hostd: 7020, monitord: 7050 } as const;
const url = (port: number) => `http://127.0.0.1:${port}/RPC2`;

const FWD = `// a two-port forwarder: port 0 to port 1 and back
in0 :: FromDevice(0); out1 :: ToDevice(1);
in1 :: FromDevice(1); out0 :: ToDevice(0);
in0 -> c0 :: Counter -> out1;
in1 -> c1 :: Counter -> out0;
`;

/** The example allocation: net → a → sink and back, through one Fwd guest. */
const CHAIN = `BASESYS=xen.clickos
fwd :: FromNet("ip,in_port=pnet,nw_dst=10.99.0.2")
rev :: FromNet("ip,in_port=psink,nw_src=10.99.0.2")
tosink :: ToNet("psink")
tonet :: ToNet("pnet")
fwd -> [0]a :: Fwd() [1] -> tosink
rev -> [1]a[0] -> tonet
`;

async function dom0(script: string, stdin?: string): Promise<string> {
  const r = await exec(['sh', '-ec', script], { stdin, timeoutMs: 300_000 });
  if (r.exitCode !== 0) throw new Error(`dom0: ${script.split('\n')[0]}: exit ${r.exitCode}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** One daemon of dist/, detached from the exec channel; resolves once its log says it listens. */
async function start(name: string, main: string, config: object): Promise<void> {
  const file = `${DIR}/${name}.json`;
  await dom0(`cat > ${file}`, JSON.stringify(config));
  await dom0(`setsid node ${join(projectRoot, 'dist', main)} --config ${file} >${DIR}/${name}.log 2>&1 </dev/null &`);
  for (let i = 0; ; i++) {
    const log = await dom0(`cat ${DIR}/${name}.log`);
    if (/listening on/.test(log)) return;
    if (i >= 120) throw new Error(`${name} did not start in 2 min; its log:\n${log}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Starts the controller and webd in dom0; returns what to print for the user. */
export async function startPage(servicePort: number): Promise<string> {
  const secret = () => randomBytes(18).toString('hex');
  const s = { user: secret(), hosts: secret(), hostd: secret(), openflowd: secret(), monitord: secret(), webdToMonitord: secret(), monitordToOpenflowd: secret(), operator: secret(), viewer: secret() };
  await dom0(`mkdir -p ${DIR} && chmod 700 ${DIR} && bash ${join(projectRoot, 'lab', 'dom0', 'openvswitch.sh')} start ${PAGE_BRIDGE}`);
  const patches = (n: string) => ({ patches: `${DIR}/${n}-patches` });
  await start('openflowd', 'controller/openflowd/main.js', {
    listen: { host: '127.0.0.1', port: PORT.openflowd },
    secret: { resourced: s.openflowd, monitord: s.monitordToOpenflowd },
    folders: patches('openflowd'),
    switch: { driver: 'ofctl', target: PAGE_BRIDGE },
  });
  await start('resourced', 'controller/resourced/main.js', {
    listen: { host: '127.0.0.1', port: PORT.resourced },
    secret: { user: s.user, hosts: s.hosts, monitord: s.monitord },
    folders: patches('resourced'),
    hosts: { principals: ['hosts'], defaultSecret: s.hostd, heartbeatTimeoutMs: 60_000, callTimeoutMs: 60_000, taskTimeoutMs: 15 * 60_000 },
    monitor: { principals: ['monitord'] },
    pm: { memoryMiB: 16, cpu: 0.1 },
    // declared demand only: under emulation dom0 measures busy at rest, which would leave
    // no room (as in test/lab-multi/two-host.test.ts)
    placement: { measuredCpu: false },
    pmPrefix: 'page',
    bridge: PAGE_BRIDGE,
    switch: { driver: 'openflowd', url: url(PORT.openflowd), secret: s.openflowd },
    store: { kind: 'sqlite', path: `${DIR}/resourced.db` },
  });
  await start('hostd', 'hostd/main.js', {
    name: 'hostd-lab',
    hostId: 'lab',
    listen: { host: '127.0.0.1', port: PORT.hostd },
    secret: s.hostd,
    folders: patches('hostd'),
    guests: { kernel: clickosKernel, memory: 16, maxMemoryMiB: 64, vifs: [{ bridge: PAGE_BRIDGE }], bootTimeoutMs: 300_000, initGraceMs: 60_000, handlerTimeoutMs: 30_000 },
    controller: { url: url(PORT.resourced), secret: s.hosts, heartbeatSeconds: 5 },
  });
  await start('monitord', 'controller/monitord/main.js', {
    listen: { host: '127.0.0.1', port: PORT.monitord },
    secret: { webd: s.webdToMonitord },
    folders: patches('monitord'),
    hosts: [{ url: url(PORT.hostd), secret: s.hostd, hostId: 'lab' }],
    openflowd: { url: url(PORT.openflowd), secret: s.monitordToOpenflowd },
    resourced: { url: url(PORT.resourced), secret: s.monitord },
    intervalMs: 5000,
  });
  await start('webd', 'controller/webd/main.js', {
    listen: { host: '0.0.0.0', port: SERVICE_PORT_IN_DOM0 },
    secret: { operator: s.operator, viewer: s.viewer },
    readOnly: ['viewer'],
    auditLog: `${DIR}/webd-audit.jsonl`,
    resourced: { url: url(PORT.resourced), secret: s.user },
    monitord: { url: url(PORT.monitord), secret: s.webdToMonitord },
    hosts: { defaultSecret: s.hostd },
    pollMs: 3000,
    callTimeoutMs: 60_000,
  });
  // the outside world: two namespaces on the bridge, each knowing the other's MAC (the
  // chain forwards IPv4 only, no ARP), the ends of the example request
  const end = (ns: string, port: string, ip: string) => `ip netns add ${ns}; ip link add ${port} type veth peer name eth0 netns ${ns}
    ip link set ${port} up; ip -n ${ns} link set eth0 up; ip -n ${ns} addr add ${ip}/24 dev eth0
    ovs-vsctl --timeout=60 add-port ${PAGE_BRIDGE} ${port}`;
  await dom0(`${end('page-net', 'pnet', '10.99.0.1')}
    ${end('page-sink', 'psink', '10.99.0.2')}
    ip -n page-net neigh replace 10.99.0.2 lladdr $(ip netns exec page-sink cat /sys/class/net/eth0/address) dev eth0 nud permanent
    ip -n page-sink neigh replace 10.99.0.1 lladdr $(ip netns exec page-net cat /sys/class/net/eth0/address) dev eth0 nud permanent`);
  await dom0(`cat > ${DIR}/chain.alloc`, CHAIN);
  // a module type for the page's editor, deployed as a user would
  await dom0(`cat > ${DIR}/fwd.click`, FWD);
  await dom0(`CLICKOS_CONTROLLER=${url(PORT.resourced)} CLICKOS_SECRET=${s.user} node ${join(projectRoot, 'bin', 'clickos.js')} module-deploy --cpu 0.2 Fwd ${DIR}/fwd.click`);
  const login = join(labDir, 'run', 'page-login');
  await mkdir(join(labDir, 'run'), { recursive: true });
  await writeFile(login, `operator ${s.operator}\nviewer ${s.viewer}\n`, { mode: 0o600 });
  return [
    `the platform's page: http://127.0.0.1:${servicePort}/ (webd in dom0, through the lab's port forward;`,
    `from another machine: ssh -L ${servicePort}:127.0.0.1:${servicePort} <this host>)`,
    `log in with a secret from ${login} (operator acts, viewer only looks)`,
    `a request to paste in its editor (also in dom0's ${DIR}/chain.alloc):`,
    CHAIN,
    `then traffic through it: npx clickos-lab exec -- ip netns exec page-net busybox ping -c 5 10.99.0.2`,
    `daemon logs in dom0: ${DIR}/*.log`,
  ].join('\n');
}
