// The resource daemon's state and operations (D3.2 §3.1, docs/platform.md: "through which Flowstream
// users/clients submit allocation requests ... deciding whether to install them and
// how to allocate resources to them"). The daemon's task and command files are thin
// wrappers around these methods, handed over as ctx.services: they import nothing of
// resourced's own code, so a module loaded from dist/ and a test running the .ts
// sources share one state.
import { AllocationError, ClickSyntaxError, parseAllocation, type AllocationRequest } from '../../clickos-build/index.js';
import { fail, failWith, ok, type ArgOf, type Encodable, type Failure, type Reply, type ResultOf, type Success } from '../../daemon/index.js';
import { AllocationStore, flowMap, type AllocationRecord, type FlowMap } from './allocations.js';
import type { ResourcedConfig } from './config.js';
import { HostdClient } from './hostd-client.js';
import { HostTable } from './hosts.js';
import type { ResourcedApi, ResourcedError } from './api.js';
import { deletePms, describeLeft, installPms, rollBack } from './installer.js';
import { buildModel, planAllocation, type Demand } from './platform-model.js';
import { PmTypes, type DeployRequest } from './pm-types.js';
import type { Steering } from '../openflowd/steering.js';

type Arg<K extends keyof ResourcedApi['methods']> = ArgOf<ResourcedApi['methods'][K]>;
type Result<K extends keyof ResourcedApi['methods']> = ResultOf<ResourcedApi['methods'][K]>;
const failure = (error: ResourcedError, message: string, details?: Record<string, Encodable>) => failWith(error, message, details);

/** The only base system hostd offers (D3.2 §2.1.4's example value). */
export const BASE_SYSTEMS = ['xen.clickos'];

export class Resourced {
  readonly hosts: HostTable;
  readonly types: PmTypes;
  readonly allocations = new AllocationStore();
  /** Placement + reservation run one at a time, so two requests never count the same free capacity. */
  private placing: Promise<unknown> = Promise.resolve();

  /** `steering` installs an allocation's switch flows once its PMs run (config.switch); without it, PMs only. */
  constructor(
    readonly config: ResourcedConfig,
    readonly log: (m: string) => void = () => {},
    readonly steering?: Steering,
  ) {
    const h = config.hosts;
    this.hosts = new HostTable({ secretFor: (id) => h.secrets[id] ?? h.defaultSecret, timeoutMs: h.heartbeatTimeoutMs, log });
    this.types = new PmTypes(config.pm, config.catalog, log);
  }

  start(): void {
    this.hosts.start();
  }

  stop(): void {
    this.hosts.stop();
  }

  /** Whether `who` may speak for a module host (register_host, heartbeat). */
  private hostCaller(who: string, method: string): Reply<never> | undefined {
    const p = this.config.hosts.principals;
    // Registering decides where resourced sends a host's secret: only hostds should.
    return p && !p.includes(who) ? failure('forbidden', `${method}: principal ${who} is not allowed (config hosts.principals)`) : undefined;
  }

  registerHost(info: Arg<'register_host'>, who = 'local'): Reply<Result<'register_host'>> {
    const refused = this.hostCaller(who, 'register_host');
    if (refused) return refused;
    const r = this.hosts.register(info);
    return typeof r === 'string' ? fail(`register_host refused: ${r}`) : ok({ host_id: r.id }, `host ${r.id} registered`);
  }

  heartbeat(a: Arg<'heartbeat'>, who = 'local'): Reply<null> {
    const refused = this.hostCaller(who, 'heartbeat');
    if (refused) return refused;
    if (a.statsError !== undefined) this.log(`host ${a.host_id}: no stats this time (${a.statsError})`);
    // Refusing an unknown host sends hostd back to register_host (hostd/controller.ts).
    if (a.host_id == null || !this.hosts.heartbeat(a.host_id, a.stats)) return failure('unknown_host', `unknown host ${JSON.stringify(a.host_id)}: register first`);
    return ok(null);
  }

  listHosts(): Reply<Result<'list_hosts'>> {
    const now = Date.now();
    return ok(
      this.hosts.live().map((h) => ({
        host_id: h.id,
        url: h.url,
        hostname: h.stats.hostname,
        cores: h.stats.nrCpus,
        total_memory_mib: h.stats.totalMemoryMiB,
        free_memory_mib: h.stats.freeMemoryMiB,
        heartbeats: h.heartbeats,
        last_seen_ms_ago: now - h.lastSeen,
        pms: this.allocations.list().flatMap((a) => a.pms.filter((p) => p.host === h.id).map((p) => p.name)),
      })),
    );
  }

  deployPm(r: DeployRequest): Reply<null> {
    const t = this.types.deploy(r);
    if (typeof t === 'string') return failure('refused', t);
    this.log(`pm type ${t.name} deployed (${t.cpu} cores, ${t.memoryMiB} MiB)`);
    return ok(null, `processing module type ${t.name} deployed`);
  }

  /**
   * Seed 2.1.1 get_pm_info: the PM types with a human description and their
   * parameters; beside them the allocations and where each PM runs.
   */
  pmInfo(): Reply<Result<'get_pm_info'>> {
    return ok({
      types: this.types.list().map((t) => ({ name: t.name, description: t.description, cpu: t.cpu, memoryMiB: t.memoryMiB, deployedAt: t.deployedAt, src: t.src })),
      allocations: this.allocations.list().map((a) => ({
        id: a.id,
        state: a.state,
        request: a.request,
        createdAt: a.createdAt,
        planned: Object.fromEntries(a.planned),
        pms: a.pms.map((p) => ({ module: p.module, type: p.type, host: p.host, domid: p.domid, name: p.name })),
      })),
    });
  }

  /** For openflowd: module → host/vif mapping of an installed allocation. */
  flowMap(id: number): FlowMap | undefined {
    const a = this.allocations.get(id);
    return a && a.state === 'installed' ? flowMap(a) : undefined;
  }

  private ourPmNames(): Set<string> {
    return new Set(this.allocations.list().flatMap((a) => a.pms.map((p) => p.name)));
  }

  private demand = (type: string): Demand => {
    const t = this.types.get(type);
    return { cpu: t?.cpu ?? this.config.pm.cpu, memoryMiB: t?.memoryMiB ?? this.config.pm.memoryMiB };
  };

  private client = (live: boolean) => (host: string): HostdClient | string => {
    const h = this.config.hosts;
    const ep = live ? this.hosts.get(host) : this.hosts.endpoint(host);
    if (!ep) return live ? `host ${host} is no longer registered (no heartbeat)` : `host ${host} was never registered, its URL is unknown`;
    return new HostdClient(ep.url, ep.secret, { callTimeoutMs: h.callTimeoutMs, taskTimeoutMs: h.taskTimeoutMs, pollMs: h.pollMs });
  };

  /** Parses the request; a malformed one answers the parser's file:line:col message and installs nothing. */
  parse(text: string): AllocationRequest | Failure {
    let req: AllocationRequest;
    try {
      req = parseAllocation(text, 'allocation', { knownModules: this.types.names() });
    } catch (e) {
      if (e instanceof ClickSyntaxError || e instanceof AllocationError) return failure('refused', e.message, { line: e.line, col: e.col, reason: e.reason });
      throw e;
    }
    if (!BASE_SYSTEMS.includes(req.baseSystem)) {
      const line = text.split(/\r\n|\n|\r/).findIndex((l) => /^\s*BASESYS\s*=/.test(l)) + 1;
      const reason = `BASESYS '${req.baseSystem}' is not offered here (only ${BASE_SYSTEMS.join(', ')})`;
      return failure('refused', `allocation:${line}:1: ${reason}`, { line, col: 1, reason });
    }
    if (req.modules.length === 0) return failure('refused', 'allocation: the request has no processing module (only FromNet/ToNet)');
    return req;
  }

  async installAllocation(text: string): Promise<Reply<number>> {
    const req = this.parse(text);
    if ('code' in req) return req;
    const reserved = await this.exclusive(() => {
      const model = buildModel(this.hosts.live(), this.ourPmNames(), { ...this.config.platform, bandwidthMbps: this.config.pm.bandwidthMbps });
      const existing = this.allocations.list().map((a) => ({ name: `alloc-${a.id}`, request: a.parsed, hosts: a.state === 'installing' ? a.planned : new Map(a.pms.map((p) => [p.module, p.host])) }));
      const plan = planAllocation(model, existing, req, this.demand, { bandwidthMbps: this.config.pm.bandwidthMbps, ...this.config.placement });
      if (!plan.ok) return failure('refused', `install_allocation refused, nothing installed: ${plan.reason}`);
      return this.allocations.reserve(text, req, plan.hosts);
    });
    if ('code' in reserved) return reserved;
    const alloc: AllocationRecord = reserved;
    this.log(`allocation ${alloc.id}: placed ${[...alloc.planned].map(([m, h]) => `${m}→${h}`).join(', ')}`);
    const rv = await installPms(alloc, {
      client: this.client(true),
      type: (n) => this.types.get(n),
      bridge: this.config.bridge,
      pmPrefix: this.config.pmPrefix,
      log: this.log,
    });
    if (rv.code === 0 && this.steering) return this.steer(alloc, rv);
    if (rv.code === 0) alloc.state = 'installed';
    else if (alloc.pms.length === 0) this.allocations.forget(alloc.id);
    else alloc.state = 'installed'; // PMs a rollback could not delete stay recorded: delete_allocation retries them
    this.log(rv.message);
    return rv;
  }

  async deleteAllocation(id: number): Promise<Reply<null>> {
    const a = this.allocations.get(id);
    if (!a) return failure('no_allocation', `no allocation ${id}`);
    if (a.state !== 'installed') return fail(`allocation ${id} is ${a.state}; try again when it is done`);
    a.state = 'deleting';
    if (this.steering) {
      // flows first: traffic stops before its modules go
      try {
        await this.steering.remove(id);
      } catch (e) {
        a.state = 'installed';
        return fail(`delete_allocation ${id}: its flows could not be removed, nothing deleted: ${(e as Error).message}`);
      }
    }
    const before = a.pms.length;
    const left = await deletePms(a.pms, { client: this.client(false), log: this.log });
    if (left.length === 0) {
      this.allocations.forget(id);
      return ok(null, `allocation ${id} deleted (${before} PM(s))`);
    }
    a.pms = a.pms.filter((p) => left.some((l) => l.pm === p));
    a.state = 'installed';
    const value: Encodable = left.map((l) => ({ name: l.pm.name, host: l.pm.host, message: l.message }));
    return fail(`delete_allocation ${id}: ${before - left.length} of ${before} PM(s) deleted; not deleted: ${describeLeft(left)}`, value);
  }

  /** Installs the flows of an allocation whose PMs run; a switch that refuses them rolls the PMs back. */
  private async steer(alloc: AllocationRecord, installed: Success<number>): Promise<Reply<number>> {
    const modules = alloc.pms.map((p) => ({ module: p.module, domid: p.domid!, vifs: p.vifs.length }));
    try {
      const n = await this.steering!.install({ id: alloc.id, request: alloc.parsed, modules });
      alloc.state = 'installed';
      const rv = { ...installed, message: `${installed.message}; ${n} flow(s) installed` };
      this.log(rv.message);
      return rv;
    } catch (e) {
      const why = (e as Error).message;
      const created = alloc.pms.length;
      const stuck = await rollBack(alloc, alloc.pms, { client: this.client(false), log: this.log });
      if (alloc.pms.length === 0) this.allocations.forget(alloc.id);
      else alloc.state = 'installed'; // delete_allocation retries the PMs left
      let msg = `install_allocation failed at the switch: ${why}; rolled back ${created - stuck.length} of ${created} PM(s)`;
      if (stuck.length) msg += `; NOT deleted: ${describeLeft(stuck)}`;
      this.log(msg);
      return fail(msg, { id: alloc.id, rolledBack: created - stuck.length });
    }
  }

  private exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = this.placing.then(fn, fn);
    this.placing = run.catch(() => {});
    return run;
  }
}
