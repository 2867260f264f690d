// What openflowd needs from a switch, whatever carries it: ovs-ofctl here or over SSH,
// or our own OpenFlow 1.3 channel. All three return the same normalised flows (model.ts),
// so callers and tests compare dumps across drivers with normaliseDump().
import type { Flow, FlowEntry, PortDesc, PortStats } from '../openflow/model.js';
import type { SflowExport } from './sflow-export.js';

export interface SwitchDriver {
  /** Installs flows under one cookie; if the switch refuses any, removes that cookie's flows again and throws FlowInstallError. */
  addFlows(cookie: bigint, flows: Flow[]): Promise<void>;
  /** Removes exactly the flows carrying this cookie. */
  deleteFlows(cookie: bigint): Promise<void>;
  /** Every flow on the switch, with counters. */
  dumpFlows(): Promise<FlowEntry[]>;
  portStats(): Promise<PortStats[]>;
  /** Port numbers by name, to resolve ToNet("name") and module vifs. */
  ports(): Promise<PortDesc[]>;
  close(): Promise<void>;
  /** The bridge's sFlow export (ovs-vsctl, sflow-export.ts), when this driver can reach its OVSDB: openflowd's set_sampling. */
  sflow?: SflowExport;
}

/** An install the switch refused, after rollback; `flow` is the refused one when known. */
export class FlowInstallError extends Error {
  constructor(message: string, readonly cookie: bigint, readonly flow?: Flow) {
    super(message);
    this.name = 'FlowInstallError';
  }
}

/** A flow needing conntrack (model.ts CONNTRACK) given to the native driver: refused before anything is sent. */
export class ConntrackUnsupportedError extends FlowInstallError {
  constructor(cookie: bigint, flow: Flow) {
    super(`cookie 0x${cookie.toString(16)}: the native OpenFlow 1.3 driver does not carry conntrack (ct_state, ct_mark, ct()); use the ovs-ofctl driver. Nothing was installed`, cookie, flow);
    this.name = 'ConntrackUnsupportedError';
  }
}
