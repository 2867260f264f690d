// A vif as xl.cfg(5) and `xl network-attach` spell it: "mac=..,bridge=..,script=..".
import { checkBridge, checkMac, checkPath, XlArgumentError } from './validate.js';

export interface VifSpec {
  mac?: string;
  bridge?: string;
  /** Hotplug script, e.g. vif-bridge, vif-openvswitch, or a path. */
  script?: string;
  /** Backend domain (default dom0). */
  backend?: string;
  /** Interface name in dom0 (default vif<domid>.<devid>). */
  vifname?: string;
  ip?: string;
}

const IP = /^\d{1,3}(\.\d{1,3}){3}$/;

/** The spec string, fields validated; order is stable. */
export function formatVif(v: VifSpec): string {
  const parts: string[] = [];
  if (v.mac !== undefined) parts.push(`mac=${checkMac(v.mac)}`);
  if (v.bridge !== undefined) parts.push(`bridge=${checkBridge(v.bridge)}`);
  if (v.script !== undefined) parts.push(`script=${checkPath(v.script, 'vif script')}`);
  if (v.backend !== undefined) parts.push(`backend=${checkPath(v.backend, 'backend domain')}`);
  if (v.vifname !== undefined) parts.push(`vifname=${checkBridge(v.vifname)}`);
  if (v.ip !== undefined) {
    if (!IP.test(v.ip)) throw new XlArgumentError(`invalid IPv4 address ${JSON.stringify(v.ip)}`);
    parts.push(`ip=${v.ip}`);
  }
  return parts.join(',');
}

/** Parses "mac=..,bridge=.." (unknown keys refused: xl would refuse them too). */
export function parseVif(spec: string): VifSpec {
  const v: VifSpec = {};
  for (const part of spec.split(',').filter((p) => p.trim() !== '')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new XlArgumentError(`vif spec ${JSON.stringify(spec)}: "${part}" is not key=value`);
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (!['mac', 'bridge', 'script', 'backend', 'vifname', 'ip'].includes(key)) throw new XlArgumentError(`vif spec: unknown key ${key}`);
    (v as Record<string, string>)[key] = value;
  }
  formatVif(v); // validates every field
  return v;
}
