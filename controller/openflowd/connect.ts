// The driver config.switch names, connected: ovs-ofctl here, over SSH, or our OpenFlow
// channel listening for the switch (controller/README.md, "Drivers").
import { readFile } from 'node:fs/promises';
import type { SwitchConfig } from './config.js';
import type { SwitchDriver } from './driver.js';
import { NativeDriver } from './native-driver.js';
import { createOfctlDriver, localRunner } from './ofctl-driver.js';
import { SflowExport } from './sflow-export.js';
import { createSshDriver } from './ssh-driver.js';

export async function connectSwitch(sw: SwitchConfig, log: (m: string) => void = () => {}): Promise<SwitchDriver> {
  if (sw.driver === 'ofctl') return createOfctlDriver({ target: sw.target, ...(sw.vsctl ? { vsctl: sw.vsctl } : {}) });
  if (sw.driver === 'ssh')
    return createSshDriver({
      host: sw.host,
      port: sw.port,
      username: sw.username,
      privateKey: await readFile(sw.privateKeyFile),
      ...(sw.hostKeyFile ? { hostKey: await readFile(sw.hostKeyFile, 'utf8') } : {}),
      target: sw.target,
      ...(sw.vsctl ? { vsctl: sw.vsctl } : {}),
    });
  const d = new NativeDriver({ host: sw.controller.host, port: sw.controller.port, log });
  // OpenFlow cannot set sFlow: with switch.vsctl, ovs-vsctl runs here (the switch's OVSDB must be reachable from this machine)
  if (sw.vsctl?.bridge) d.sflow = new SflowExport(localRunner(), { bridge: sw.vsctl.bridge, ...(sw.vsctl.db ? { db: sw.vsctl.db } : {}) });
  const port = await d.listen();
  log(`switch '${sw.name}': waiting for it on tcp:${sw.controller.host}:${port} (ovs-vsctl set-controller BRIDGE tcp:${sw.controller.host}:${port})`);
  return d;
}
