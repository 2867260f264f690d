// Vifs of a ClickOS guest (its netfront devices, FromDevice(N)/ToDevice(N)):
// attached through xl, confirmed in XenStore (hotplug-status=connected), and on
// detach checked gone from both the backend and the frontend trees. The hotplug
// script follows the bridge (Linux bridge or Open vSwitch, see bridges.ts).
import type { Xl, NetworkDevice, VifSpec } from '../toolstack/index.js';
import type { XenStore } from '../xenstore/index.js';
import { Bridges } from './bridges.js';
import { GuestError, GuestTimeoutError } from './errors.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Vifs {
  constructor(
    private readonly xs: XenStore,
    private readonly xl: Xl,
    readonly bridges = new Bridges(),
  ) {}

  backendPath(domid: number, devid: number): string {
    return `/local/domain/0/backend/vif/${domid}/${devid}`;
  }

  frontendPath(domid: number, devid: number): string {
    return `/local/domain/${domid}/device/vif/${devid}`;
  }

  /** Waits until the backend's hotplug script reports `connected` (or fails). */
  async waitConnected(domid: number, devid: number, timeoutMs = 60_000): Promise<void> {
    const path = `${this.backendPath(domid, devid)}/hotplug-status`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await this.xs.readOptional(path);
      if (v === 'connected') return;
      if (v !== undefined && v !== '') throw new GuestError(`vif ${devid} of domain ${domid}: hotplug ${v}`);
      if (Date.now() > deadline) throw new GuestTimeoutError(`vif ${devid} of domain ${domid}: hotplug-status not connected after ${timeoutMs / 1000}s`);
      await sleep(100);
    }
  }

  /** Attaches a vif (before start: ClickOS opens vifs when the router starts). */
  async attach(domid: number, spec: VifSpec): Promise<NetworkDevice> {
    const dev = await this.xl.networkAttach(domid, await this.bridges.resolve(spec)); // a failed attach leaves no vif (see Xl)
    try {
      await this.waitConnected(domid, dev.devid);
    } catch (e) {
      await this.detach(domid, dev.devid).catch(() => {});
      throw e;
    }
    return dev;
  }

  /** Detaches a vif and makes sure neither its backend nor its frontend node remains. */
  async detach(domid: number, devid: number): Promise<void> {
    await this.xl.networkDetach(domid, devid);
    for (const p of [this.backendPath(domid, devid), this.frontendPath(domid, devid)]) {
      if (await this.xs.exists(p)) await this.xs.rm(p);
    }
  }

  list(domid: number): Promise<NetworkDevice[]> {
    return this.xl.networkList(domid);
  }
}
