// The xl driver: every xl verb a toolstack needs, run as argument vectors (never a
// shell, toolstack/run.ts), each with a timeout, each failure an XlError with
// xl's own message and exit code. Outputs are parsed into typed values.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProgram } from './run.js';
import { XlConfig } from './xlcfg/index.js';
import { XlError, XlTimeoutError } from './errors.js';
import { checkDomain, checkInt, checkMac, checkName, XlArgumentError, type DomainRef } from './validate.js';
import { formatVif, type VifSpec } from './vif.js';
import { MAX_DOMID } from './limits.js';
import { parseInfo, parseList, parseListLong, parseNetworkList, parseUptime, type Domain, type HostInfo, type NetworkDevice, type Uptime } from './xl-output.js';

export interface XlOptions {
  /** The xl binary (default `xl` on PATH). */
  xl?: string;
  /** Per-call timeout in ms (default 60 s; create and shutdown get twice that). */
  timeoutMs?: number;
  /** Where xenconsoled writes guest logs (`xenconsoled --log=guest`). */
  consoleLogDir?: string;
  /** libxl's XEN_LIB_DIR, where it keeps userdata-d.<domid>.<uuid>.libxl-json. */
  libDir?: string;
}

export interface CreateOptions {
  paused?: boolean;
}

export class Xl {
  private readonly bin: string;
  private readonly timeoutMs: number;
  private readonly consoleLogDir: string;
  private readonly libDir: string;

  constructor(o: XlOptions = {}) {
    this.libDir = o.libDir ?? '/var/lib/xen';
    this.bin = o.xl ?? 'xl';
    this.timeoutMs = o.timeoutMs ?? 60_000;
    this.consoleLogDir = o.consoleLogDir ?? '/var/log/xen/console';
  }

  /** Runs xl; resolves with stdout, rejects XlError / XlTimeoutError. */
  async run(args: string[], timeoutMs = this.timeoutMs): Promise<string> {
    const r = await runProgram(this.bin, args, { timeoutMs });
    if (r.timedOut) throw new XlTimeoutError(args, timeoutMs, r.stderr);
    if (r.spawnError) throw new XlError(args, undefined, r.spawnError.message, `is ${this.bin} installed and on PATH?`);
    if (r.exitCode !== 0) throw new XlError(args, r.exitCode, r.stderr);
    return r.stdout;
  }

  /** `xl create` from a model via a private temporary file; resolves with the new domid. */
  async create(model: XlConfig, o: CreateOptions = {}): Promise<number> {
    const name = model.get('name');
    if (typeof name !== 'string') throw new XlArgumentError('the config has no name');
    checkName(name);
    // A uuid of our own lets us find the domid in libxl's userdata file names
    // instead of paying for one more xl process (`xl domid`).
    const cfg = XlConfig.parse(model.toString());
    let uuid = cfg.get('uuid');
    if (typeof uuid !== 'string') cfg.set('uuid', (uuid = randomUUID()));
    const dir = mkdtempSync(join(tmpdir(), 'clickos-xl-')); // mode 0700: the config stays private
    const file = join(dir, `${name}.cfg`);
    try {
      writeFileSync(file, cfg.toString(), { mode: 0o600 });
      await this.run(['create', ...(o.paused ? ['-p'] : []), file], this.timeoutMs * 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return this.domidFromUserdata(uuid) ?? this.domid(name);
  }

  private domidFromUserdata(uuid: string): number | undefined {
    try {
      const suffix = `.${uuid.toLowerCase()}.libxl-json`;
      const f = readdirSync(this.libDir).find((n) => n.startsWith('userdata-d.') && n.endsWith(suffix));
      return f ? Number(f.slice('userdata-d.'.length, -suffix.length)) : undefined;
    } catch {
      return undefined;
    }
  }

  async destroy(d: DomainRef): Promise<void> {
    await this.run(['destroy', checkDomain(d)]);
  }

  /** Asks the guest to shut down; with `wait`, resolves once it is gone. */
  async shutdown(d: DomainRef, o: { wait?: boolean } = {}): Promise<void> {
    await this.run(['shutdown', ...(o.wait ? ['-w'] : []), checkDomain(d)], this.timeoutMs * 2);
  }

  async reboot(d: DomainRef, o: { wait?: boolean } = {}): Promise<void> {
    await this.run(['reboot', ...(o.wait ? ['-w'] : []), checkDomain(d)], this.timeoutMs * 2);
  }

  async pause(d: DomainRef): Promise<void> {
    await this.run(['pause', checkDomain(d)]);
  }

  async unpause(d: DomainRef): Promise<void> {
    await this.run(['unpause', checkDomain(d)]);
  }

  async rename(d: DomainRef, newName: string): Promise<void> {
    await this.run(['rename', checkDomain(d), checkName(newName)]);
  }

  /** Every domain with its state and config (from `xl list -l` JSON merged with `xl list`). */
  async list(): Promise<Domain[]> {
    const states = parseList(await this.run(['list']));
    let configs: ReturnType<typeof parseListLong> = [];
    try {
      configs = parseListLong(await this.run(['list', '-l']));
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e; // older xl prints SXP: keep the plain table
    }
    return states.map((s) => {
      const c = configs.find((x) => x.domid === s.domid);
      return c ? { ...s, uuid: c.uuid ?? s.uuid, type: c.type, config: c.config } : s;
    });
  }

  /** One domain, or XlError (xl's own "invalid domain identifier"). */
  async domain(d: DomainRef): Promise<Domain> {
    const ref = checkDomain(d);
    const all = await this.list();
    const found = all.find((x) => String(x.domid) === ref || x.name === ref);
    if (!found) throw new XlError(['list', ref], 1, `${ref} is an invalid domain identifier`);
    return found;
  }

  /** One domain's state row (`xl list <dom>`: one xl process, no config). */
  async state(d: DomainRef): Promise<Domain> {
    const [row] = parseList(await this.run(['list', checkDomain(d)]));
    if (!row) throw new XlError(['list', String(d)], 1, `${String(d)} is an invalid domain identifier`);
    return row;
  }

  async domid(name: string): Promise<number> {
    const out = await this.run(['domid', checkName(name)]);
    return Number(out.trim());
  }

  async domname(domid: number): Promise<string> {
    return (await this.run(['domname', String(checkInt(domid, 'domid', 0, MAX_DOMID))])).trim();
  }

  async info(): Promise<HostInfo> {
    return parseInfo(await this.run(['info']));
  }

  async uptime(d?: DomainRef): Promise<Uptime[]> {
    return parseUptime(await this.run(['uptime', ...(d === undefined ? [] : [checkDomain(d)])]));
  }

  /** The guest's console output so far, as xenconsoled logged it. */
  async consoleLog(d: DomainRef): Promise<string> {
    const dom = await this.domain(d);
    const file = join(this.consoleLogDir, `guest-${dom.name}.log`);
    if (!existsSync(file)) {
      throw new XlError(['console', dom.name], undefined, `no console log at ${file}`, 'start xenconsoled with --log=guest (the lab does)');
    }
    return readFileSync(file, 'utf8');
  }

  /** Attaches a vif; resolves with the new device as `xl network-list` shows it. */
  async networkAttach(d: DomainRef, vif: VifSpec): Promise<NetworkDevice> {
    const ref = checkDomain(d);
    const spec = formatVif(vif);
    const before = new Set((await this.networkList(ref)).map((n) => n.devid));
    try {
      await this.run(['network-attach', ref, ...spec.split(',').filter(Boolean)]);
    } catch (e) {
      // libxl leaves the half-made vif (state 1, nodes in XenStore) when the hotplug
      // script fails, e.g. for a missing bridge: detach it so nothing is orphaned.
      const leftovers = (await this.networkList(ref).catch(() => [])).filter((n) => !before.has(n.devid));
      for (const n of leftovers) await this.run(['network-detach', ref, String(n.devid)]).catch(() => {});
      throw e;
    }
    const added = (await this.networkList(ref)).find((n) => !before.has(n.devid));
    if (!added) throw new XlError(['network-attach', ref, spec], 0, 'xl reported success but no new vif is listed');
    return added;
  }

  /** Detaches a vif by device id or MAC. */
  async networkDetach(d: DomainRef, device: number | string): Promise<void> {
    const dev = typeof device === 'number' ? String(checkInt(device, 'device id', 0, 1 << 16)) : checkMac(device);
    await this.run(['network-detach', checkDomain(d), dev]);
  }

  async networkList(d: DomainRef): Promise<NetworkDevice[]> {
    return parseNetworkList(await this.run(['network-list', checkDomain(d)]));
  }

  /** Sets the memory target in MiB. */
  async memSet(d: DomainRef, mib: number): Promise<void> {
    await this.run(['mem-set', checkDomain(d), `${checkInt(mib, 'memory (MiB)', 1, 1 << 24)}m`]);
  }

  async vcpuSet(d: DomainRef, vcpus: number): Promise<void> {
    await this.run(['vcpu-set', checkDomain(d), String(checkInt(vcpus, 'vcpus', 1, 512))]);
  }
}
