// ClickOS guests from request to Running and back: create (vifs connected, booted
// to its ClickOS root), install, start (with the console checked for an init
// failure), stop, remove, handlers, destroy. Any failure midway destroys what the
// call created: no domain, vif or XenStore node is left behind.
import { Xl, guestConfig, type GuestSpec } from '../toolstack/index.js';
import { XenStore, XenStoreError, type Watch } from '../xenstore/index.js';
import { ClickosControl, type RouterInfo } from './router.js';
import { Vifs } from './vifs.js';
import { Bridges, type HotplugChoice } from './bridges.js';
import { GuestDiedError, GuestError, RouterInitError } from './errors.js';
import { ConsoleLogs } from './console.js';
import { checkConfig, vifsUsed } from './config-check.js';
import { CLICKOS_CONSOLE, type ConsoleProtocol } from './console-protocol.js';

export interface ManagerOptions {
  xs: XenStore;
  xl?: Xl;
  /** How long a guest may take to create its ClickOS root (default 60 s). */
  bootTimeoutMs?: number;
  /** How long to watch the console for an init failure after start (default 3 s). */
  initGraceMs?: number;
  /**
   * How the guest's console tells a start, an init failure and a stop (default: real
   * ClickOS; the lab's Linux stand-in has STANDIN_CONSOLE). A start or stop the console
   * does not confirm ends with the grace period (initGraceMs).
   */
  console?: ConsoleProtocol;
  /**
   * Check configs with the Click checker before installing (default true); off for
   * elements the catalog does not know (a custom ClickOS build).
   */
  checkConfigs?: boolean;
  /** xenconsoled's --log-dir (default /var/log/xen/console). */
  consoleLogDir?: string;
  /** Handler read timeout (default 5 s). */
  handlerTimeoutMs?: number;
  /** vif hotplug: our lean script (default) or Xen's vif-bridge/vif-openvswitch (bridges.ts). */
  hotplug?: HotplugChoice;
}

export interface Guest {
  name: string;
  domid: number;
  /** The ClickOS root the guest uses (data/clickos, or the legacy clickos). */
  root: string;
}

export class ClickosGuests {
  readonly xs: XenStore;
  readonly xl: Xl;
  readonly control: ClickosControl;
  readonly vifs: Vifs;
  private readonly bootTimeoutMs: number;
  private readonly initGraceMs: number;
  private readonly handlerTimeoutMs: number;
  private readonly console: ConsoleProtocol;
  readonly consoles: ConsoleLogs;
  readonly checkConfigs: boolean;

  constructor(o: ManagerOptions) {
    this.xs = o.xs;
    this.xl = o.xl ?? new Xl();
    this.control = new ClickosControl(o.xs);
    this.vifs = new Vifs(o.xs, this.xl, new Bridges('ovs-vsctl', o.hotplug));
    this.bootTimeoutMs = o.bootTimeoutMs ?? 60_000;
    this.initGraceMs = o.initGraceMs ?? 3000;
    this.handlerTimeoutMs = o.handlerTimeoutMs ?? 5000;
    this.console = o.console ?? CLICKOS_CONSOLE;
    this.consoles = new ConsoleLogs(o.xs, o.consoleLogDir);
    this.checkConfigs = o.checkConfigs ?? true;
  }

  /**
   * Checks every vif's bridge (hotplug script chosen for Linux or OVS bridges),
   * creates the domain paused, waits until every vif's hotplug script reports
   * connected, unpauses it and waits until it has created its ClickOS root.
   * On any failure the domain is destroyed before the error is rethrown.
   */
  async create(spec: GuestSpec, o: { legacyRoot?: boolean } = {}): Promise<Guest> {
    const vifs = spec.vifs && (await Promise.all(spec.vifs.map((v) => this.vifs.bridges.resolve(v))));
    const domid = await this.xl.create(guestConfig({ ...spec, vifs }), { paused: true });
    try {
      for (let i = 0; i < (spec.vifs ?? []).length; i++) await this.vifs.waitConnected(domid, i);
      await this.xl.unpause(domid);
      const root = o.legacyRoot ? await this.control.createLegacyRoot(domid) : await this.control.waitForRoot(domid, this.bootTimeoutMs);
      return { name: spec.name, domid, root };
    } catch (e) {
      await this.xl.destroy(domid).catch(() => {});
      throw e;
    }
  }

  /**
   * Checks the config (ConfigCheckError, nothing written) and that the domain has every
   * vif it opens, then installs it as a new router.
   */
  async install(domid: number, config: string, name?: string): Promise<number> {
    this.check(config, name);
    await this.requireVifs(domid, config, name);
    return this.control.install(domid, config, name);
  }

  /** A vif the config opens but the domain lacks would hang ClickOS's router thread: refused here. */
  private async requireVifs(domid: number, config: string, name = 'config'): Promise<void> {
    const used = vifsUsed(config, name);
    if (used.length === 0) return;
    const have = new Set((await this.xs.directory(`/local/domain/${domid}/device/vif`).catch((e: unknown) => {
      if (e instanceof XenStoreError && e.errno === 'ENOENT') return [] as string[];
      throw e;
    })).map(Number));
    const missing = used.filter((n) => !have.has(n));
    if (missing.length > 0) {
      throw new GuestError(`${name} opens ${missing.map((n) => `vif ${n}`).join(', ')}, but domain ${domid} has no vif ${missing.join(', ')} (it has ${have.size === 0 ? 'none' : [...have].sort().join(', ')}): attach it first`);
    }
  }

  /** The Click checker's verdict, unless checkConfigs is off. */
  check(config: string, name = 'config'): void {
    if (this.checkConfigs) checkConfig(config, name);
  }

  /**
   * status=Running, then reads the guest's console: ClickOS reports a config it
   * cannot initialise only there. Such a router is set back to Halted and the
   * console lines are in the RouterInitError. Resolves as soon as the console
   * confirms the start (see ConsoleProtocol), else when the grace period ends quietly;
   * `confirmed` says which. A domain that dies meanwhile is a GuestDiedError.
   * The domain must be running (the CLI unpauses a `create -p` domain first).
   */
  async start(domid: number, rid: number): Promise<{ confirmed: boolean }> {
    return this.acted(domid, rid, () => this.control.start(domid, rid), true);
  }

  /**
   * status=Halted, then waits until the console says the router stopped (or the
   * grace period ends): the guest acts on the watch event later, and a router
   * removed before it read `Halted` would go on running inside the guest.
   */
  async stop(domid: number, rid: number): Promise<{ confirmed: boolean }> {
    return this.acted(domid, rid, () => this.control.stop(domid, rid), false);
  }

  /** Removes a router; forced on a Running one, it is stopped (and the stop awaited) first. */
  async remove(domid: number, rid: number, o: { force?: boolean } = {}): Promise<void> {
    if (o.force && (await this.control.status(domid, rid)) === 'Running') await this.stop(domid, rid);
    await this.control.remove(domid, rid, o);
  }

  /** Runs `action`, then reads the console until it confirms, shows an init failure, or the grace ends. */
  private async acted(domid: number, rid: number, action: () => Promise<void>, starting: boolean): Promise<{ confirmed: boolean }> {
    const file = await this.consoles.file(domid);
    const offset = await this.consoles.size(file);
    const changes = this.consoles.changes(file);
    try {
      await action();
      const deadline = Date.now() + this.initGraceMs;
      for (;;) {
        const lines = (await this.consoles.since(file, offset)).replace(/\r/g, '').split('\n');
        const bad = starting ? this.console.failure(lines, rid) : undefined;
        if (bad) {
          // The guest marked the router stopped itself; Halted keeps XenStore telling the truth.
          await this.control.stop(domid, rid).catch(() => {});
          throw new RouterInitError(domid, rid, bad);
        }
        if (starting ? this.console.started(lines, rid) : this.console.stopped(lines, rid)) return { confirmed: true };
        if (!(await this.xs.exists(`/local/domain/${domid}`))) throw new GuestDiedError(`domain ${domid} died while router ${rid} was ${starting ? 'starting' : 'stopping'}`);
        const left = deadline - Date.now();
        if (left <= 0) return { confirmed: false };
        // Woken by the guest's next console line; the timeout bounds how late a death is seen.
        await changes.next(Math.min(left, 200));
      }
    } finally {
      changes.close();
    }
  }

  read(domid: number, rid: number, element: string, handler: string): Promise<string> {
    return this.control.readHandler(domid, rid, element, handler, this.handlerTimeoutMs);
  }

  write(domid: number, rid: number, element: string, handler: string, value: string): Promise<void> {
    return this.control.writeHandler(domid, rid, element, handler, value);
  }

  routers(domid: number): Promise<RouterInfo[]> {
    return this.control.routers(domid);
  }

  /** Install and start in one step; a router that fails to start is removed again. */
  async deploy(domid: number, config: string, name?: string): Promise<number> {
    const rid = await this.install(domid, config, name);
    try {
      await this.start(domid, rid);
      return rid;
    } catch (e) {
      await this.remove(domid, rid, { force: true }).catch(() => {});
      throw e;
    }
  }

  async destroy(domid: number): Promise<void> {
    await this.xl.destroy(domid);
  }

  /**
   * Reports the given guests as they die (crash, destroy, shutdown), noticed
   * through @releaseDomain. Close the returned watch to stop.
   */
  async watchDeaths(domids: Iterable<number>, onDeath: (domid: number) => void): Promise<Watch> {
    const alive = new Set(domids);
    const w = await this.xs.watch('@releaseDomain');
    void (async () => {
      try {
        for await (const _ of w) {
          for (const d of [...alive]) {
            if (!(await this.xs.isDomainIntroduced(d).catch(() => false))) {
              alive.delete(d);
              onDeath(d);
            }
          }
        }
      } catch {
        /* connection closed: the caller's XenStore client reports it */
      }
    })();
    return w;
  }
}

