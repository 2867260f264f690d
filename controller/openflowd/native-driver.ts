// The native driver: our own OpenFlow 1.3 channel (controller/openflow). The switch
// connects to us; flows are kept per cookie and re-installed when it reconnects.
import { OpenFlowChannel, OpenFlowError, type ChannelOptions } from '../openflow/channel.js';
import { usesConntrack, type Flow, type FlowEntry, type PortDesc, type PortStats } from '../openflow/model.js';
import { ConntrackUnsupportedError, FlowInstallError, type SwitchDriver } from './driver.js';
import type { SflowExport } from './sflow-export.js';

export class NativeDriver implements SwitchDriver {
  readonly channel: OpenFlowChannel;
  port = 0;
  /** OpenFlow cannot configure sFlow: only set when openflowd's config names a bridge for ovs-vsctl here (connect.ts) */
  sflow?: SflowExport;

  constructor(options: ChannelOptions = {}) {
    this.channel = new OpenFlowChannel(options);
  }

  /** Listens for the switch; resolves with the TCP port (for ovs-vsctl set-controller). */
  async listen(): Promise<number> {
    this.port = await this.channel.listen();
    return this.port;
  }

  async addFlows(cookie: bigint, flows: Flow[]): Promise<void> {
    const ct = flows.find(usesConntrack);
    if (ct) throw new ConntrackUnsupportedError(cookie, ct);
    try {
      await this.channel.addFlows(cookie, flows);
    } catch (e) {
      if (e instanceof OpenFlowError)
        throw new FlowInstallError(`${e.message} (cookie 0x${cookie.toString(16)}; the cookie's flows were removed again)`, cookie, e.flow);
      throw e;
    }
  }

  deleteFlows(cookie: bigint): Promise<void> {
    return this.channel.deleteFlows(cookie);
  }

  dumpFlows(): Promise<FlowEntry[]> {
    return this.channel.dumpFlows();
  }

  portStats(): Promise<PortStats[]> {
    return this.channel.portStats();
  }

  ports(): Promise<PortDesc[]> {
    return this.channel.ports();
  }

  close(): Promise<void> {
    return this.channel.close();
  }
}

