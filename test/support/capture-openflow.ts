// Re-captures the golden OpenFlow messages in test/fixtures/openflow/ from a real Open
// vSwitch: a private ovs-vswitchd (userspace datapath, OpenFlow 1.3 only) connects to our
// native driver through a recording proxy, which keeps every message the switch sends.
// The driver then asks for what the fixtures hold (features, port description, port and
// flow stats, a refused flow, barriers), the proxy injects one ECHO_REQUEST, a port is
// added after the connection (PORT_STATUS), and the controller stays quiet until the
// switch's own inactivity probe (ECHO_REQUEST). Needs root and openvswitch-switch:
//
//   node --import=@tapjs/typescript/import test/support/capture-openflow.ts
//
// flows-golden.test.ts then checks each fixture against the parser and the encoders.
import { createServer, connect, type Socket, type AddressInfo } from 'node:net';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { OFPT } from '../../controller/openflow/constants.js';
import { encodeEchoRequest } from '../../controller/openflow/messages.js';
import { NativeDriver } from '../../controller/openflowd/native-driver.js';
import { startOvs } from './ovs.js';
import {
  GOLDEN_ADDED_PORT, GOLDEN_COOKIE, GOLDEN_DIR, GOLDEN_ECHO_DATA, GOLDEN_ECHO_XID, GOLDEN_PORTS, goldenFlows, goldenRefused, type GoldenMeta,
} from './openflow-golden.js';

/** Splits a byte stream into whole OpenFlow messages. */
function framer(onMessage: (m: Buffer) => void): (d: Buffer) => void {
  let buf = Buffer.alloc(0);
  return (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 8 && buf.length >= buf.readUInt16BE(2) && buf.readUInt16BE(2) >= 8) {
      const len = buf.readUInt16BE(2);
      onMessage(Buffer.from(buf.subarray(0, len)));
      buf = buf.subarray(len);
    }
  };
}

async function until<T>(what: string, f: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const fromSwitch: Buffer[] = [];
  const ovs = await startOvs('gold', { controllerLink: true });
  const driver = new NativeDriver({ host: '127.0.0.1', port: 0, echoIntervalMs: 600_000, echoTimeoutMs: 600_000, connectTimeoutMs: 20_000 });
  let toSwitch: Socket | undefined;
  const proxy = createServer((sw) => {
    const ctl = connect(driver.port, '127.0.0.1');
    toSwitch = sw;
    sw.on('data', framer((m) => {
      fromSwitch.push(m);
      ctl.write(m);
    }));
    ctl.on('data', (d) => sw.write(d));
    sw.on('close', () => ctl.destroy());
    ctl.on('close', () => sw.destroy());
    sw.on('error', () => {});
    ctl.on('error', () => {});
  });
  try {
    await driver.listen();
    await new Promise<void>((r) => proxy.listen(0, ovs.controllerHost, () => r()));
    const proxyPort = (proxy.address() as AddressInfo).port;
    const ports: Record<string, number> = {};
    for (const p of GOLDEN_PORTS) ports[p] = await ovs.addVethPort(p, 'eth0', `gold-${p.slice(-1)}`);
    await ovs.vsctl('set', 'bridge', ovs.bridge, 'protocols=OpenFlow13');
    await ovs.vsctl('set-controller', ovs.bridge, `tcp:${ovs.controllerHost}:${proxyPort}`);
    await driver.channel.waitReady();
    const [a, b] = GOLDEN_PORTS.map((p) => ports[p]!) as [number, number];

    await driver.ports();
    await driver.addFlows(GOLDEN_COOKIE, goldenFlows(a, b));
    await driver.dumpFlows();
    await driver.portStats();
    await driver.addFlows(GOLDEN_COOKIE + 1n, [goldenRefused(a)]).then(() => { throw new Error('the switch accepted group:99'); }, () => {});
    toSwitch!.write(encodeEchoRequest(GOLDEN_ECHO_XID, GOLDEN_ECHO_DATA));
    await until('the echo reply', () => fromSwitch.find((m) => m[1] === OFPT.ECHO_REPLY));
    ports[GOLDEN_ADDED_PORT] = await ovs.addVethPort(GOLDEN_ADDED_PORT, 'eth0', 'gold-c');
    await until('the port status', () => fromSwitch.find((m) => m[1] === OFPT.PORT_STATUS));
    // quiet from here: the switch probes an idle controller (inactivity_probe, ms)
    const uuid = (await ovs.vsctl('get', 'bridge', ovs.bridge, 'controller')).replace(/[[\]]/g, '').trim();
    await ovs.vsctl('set', 'controller', uuid, 'inactivity_probe=1000');
    await until('the switch\'s echo request', () => fromSwitch.find((m) => m[1] === OFPT.ECHO_REQUEST), 30_000);

    const first = (type: number, pred: (m: Buffer) => boolean = () => true) => {
      const m = fromSwitch.find((x) => x[1] === type && pred(x));
      if (!m) throw new Error(`no message of type ${type} captured`);
      return m;
    };
    const multipart = (mpType: number) => fromSwitch.filter((m) => m[1] === OFPT.MULTIPART_REPLY && m.readUInt16BE(8) === mpType);
    const errorMsg = first(OFPT.ERROR);
    const fixtures: Array<[string, string, Buffer[]]> = [
      ['hello', 'the switch\'s HELLO (bridge protocols=OpenFlow13)', [first(OFPT.HELLO)]],
      ['features-reply', 'FEATURES_REPLY to our FEATURES_REQUEST', [first(OFPT.FEATURES_REPLY)]],
      ['port-desc-reply', 'MULTIPART_REPLY (PORT_DESC), every part', multipart(13)],
      ['flow-stats-reply', `MULTIPART_REPLY (FLOW) after installing goldenFlows under cookie 0x${GOLDEN_COOKIE.toString(16)}, every part`, multipart(1)],
      ['port-stats-reply', 'MULTIPART_REPLY (PORT_STATS) for OFPP_ANY, every part', multipart(4)],
      ['barrier-reply', 'BARRIER_REPLY confirming an install', [first(OFPT.BARRIER_REPLY)]],
      ['error-bad-out-group', 'ERROR (OFPET_BAD_ACTION, OFPBAC_BAD_OUT_GROUP) for the flow_mod of goldenRefused', [errorMsg]],
      ['echo-reply', 'ECHO_REPLY to an ECHO_REQUEST carrying GOLDEN_ECHO_DATA', [first(OFPT.ECHO_REPLY, (m) => m.readUInt32BE(4) === GOLDEN_ECHO_XID)]],
      ['echo-request', 'the switch\'s inactivity probe', [first(OFPT.ECHO_REQUEST)]],
      ['port-status-add', `PORT_STATUS (OFPPR_ADD) for ${GOLDEN_ADDED_PORT}, added after the connection`, [first(OFPT.PORT_STATUS)]],
    ];
    const version = (await execa('ovs-vswitchd', ['--version'])).stdout.split('\n')[0]!.trim();
    await rm(GOLDEN_DIR, { recursive: true, force: true });
    await mkdir(GOLDEN_DIR, { recursive: true });
    const meta: GoldenMeta = {
      ovsVersion: version,
      datapathId: (await ovs.vsctl('get', 'bridge', ovs.bridge, 'datapath_id')).replace(/"/g, '').trim(),
      ports,
      messages: {},
    };
    for (const [name, what, msgs] of fixtures) {
      if (!msgs.length) throw new Error(`nothing captured for ${name}`);
      meta.messages[name] = what;
      // one message per line, so a multipart reply's parts stay apart
      const hex = msgs.map((m) => m.toString('hex')).join('\n');
      await writeFile(join(GOLDEN_DIR, `${name}.hex`), `# ${what}\n# sent by ${version}; re-capture with test/support/capture-openflow.ts\n${hex}\n`);
    }
    await writeFile(join(GOLDEN_DIR, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
    process.stdout.write(`captured ${fixtures.length} fixtures from ${version} into ${GOLDEN_DIR}\n`);
  } finally {
    proxy.close();
    await driver.close();
    await ovs.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
