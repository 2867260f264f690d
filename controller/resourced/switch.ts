// resourced's switch (config.switch): the openflowd driver it names, wrapped as the
// Steering that installs and removes an allocation's flows — or openflowd as a daemon of
// its own, reached over XML-RPC only (driver "openflowd": RemoteSteering).
import { readFile } from 'node:fs/promises';
import { createOfctlDriver, createSshDriver, Openflowd } from '../openflowd/index.js';
import { FlowSteering, type Steering } from '../openflowd/steering.js';
import { RemoteSteering } from '../openflowd/remote-steering.js';
import type { SwitchConfig } from './config.js';

export async function createSteering(sw: SwitchConfig): Promise<Steering> {
  if (sw.driver === 'openflowd') return new RemoteSteering({ url: sw.url, secret: sw.secret, timeoutMs: 60_000 }, sw.uplinks);
  if (sw.driver === 'ofctl') return new FlowSteering(new Openflowd(createOfctlDriver({ target: sw.target, ...(sw.vsctl ? { vsctl: sw.vsctl } : {}) })), sw.uplinks, sw.target);
  const driver = await createSshDriver({
    host: sw.host,
    port: sw.port,
    username: sw.username,
    privateKey: await readFile(sw.privateKeyFile),
    ...(sw.hostKeyFile ? { hostKey: await readFile(sw.hostKeyFile, 'utf8') } : {}),
    target: sw.target,
    ...(sw.vsctl ? { vsctl: sw.vsctl } : {}),
  });
  return new FlowSteering(new Openflowd(driver), sw.uplinks, sw.target);
}
