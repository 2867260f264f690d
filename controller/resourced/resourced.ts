// The resource daemon's state and operations (D3.2 §3.1, docs/platform.md: "through which Flowstream
// users/clients submit allocation requests ... deciding whether to install them and
// how to allocate resources to them"). The daemon's task and command files are thin
// wrappers around these methods, handed over as ctx.services: they import nothing of
// resourced's own code, so a module loaded from dist/ and a test running the .ts
// sources share one state.
import { AllocationError, ClickSyntaxError, parseAllocation, type AllocationRequest } from '../../clickos-build/index.js';
import { fail, failWith, ok, type ArgOf, type CompoundPlan, type Encodable, type Failure, type Reply, type ResultOf, type StepPart } from '../../daemon/index.js';
import { AllocationStore, flowMap, fromStored, pmRequest, steeredModules, type AllocationRecord, type FlowMap, type PmRecord } from './allocations.js';
import { FlowPlanError } from '../openflowd/flows.js';
import { requestText } from '../openflowd/request-text.js';
import { MAX_VLAN_ID } from '../openflowd/flows.js';

/** VLAN ids for vifs behind an uplink start here (1 is the default VLAN of most switches). */
const FIRST_UPLINK_VLAN = 2;
import type { ResourcedConfig } from './config.js';
import { HostdClient } from './hostd-client.js';
import { HostTable, type HostRecord } from './hosts.js';
import type { ConnectionsArg, PmArg, ResourcedApi, ResourcedError } from './api.js';
import { createPmStep, deletePms, describeLeft, installedMessage, installPms, rollBack, rollBackSteps, type InstallDeps, type StepOutcome } from './installer.js';
import { buildModel, cpuCapacity, declaredMbps, linkCapacity, planAllocation, type Demand } from './platform-model.js';
import { PmTypes, type DeployRequest } from './pm-types.js';
import { Measurements } from './measured.js';
import { WrongSwitchError, type SteeredAllocation, type Steering } from '../openflowd/steering.js';
import { MemoryStore, SOLE_LEADER, type ControllerStore, type Leadership } from '../store/index.js';
import { planReconcile, type Observed, type ReconcileAction, type ReconcileOutcome } from './reconcile.js';
import { SwitchWatch } from './switch-watch.js';
import { balancedModule, expandReplicas, freeSlots, groupPorts, groupRulesCookie, installGroup, newBalanced, prefixesByReplica, removeGroup, replicaName, type BalancedRecord } from './replicas.js';
import { groupCookie } from '../balancer/cookies.js';
import { moves } from '../balancer/leaves.js';
import { parsePrefix, prefixText } from '../balancer/prefix.js';
import { MAX_REPLICAS } from '../../toolstack/limits.js';
import { cookieText } from '../openflowd/counters.js';
import { BalancedLearning } from './balanced-learning.js';
import { SharedSampling } from './sampling.js';
import { RoutedModules, routedModule, routeTable, routerPmConfig, routerPmType } from './routed.js';

type Arg<K extends keyof ResourcedApi['methods']> = ArgOf<ResourcedApi['methods'][K]>;
type Result<K extends keyof ResourcedApi['methods']> = ResultOf<ResourcedApi['methods'][K]>;
const failure = (error: ResourcedError, message: string, details?: Record<string, Encodable>) => failWith(error, message, details);

/** The only base system hostd offers (D3.2 §2.1.4's example value). */
export const BASE_SYSTEMS = ['xen.clickos'];

export class Resourced {
  readonly hosts: HostTable;
  readonly types: PmTypes;
  readonly allocations: AllocationStore;
  /** What monitord reported (measured.ts): PM traffic, switch counters; host figures go to `hosts`. */
  readonly measured = new Measurements();
  /** Allocations an install or delete of this process is working on: reconciliation leaves them alone. */
  private readonly busy = new Set<number>();
  /** Which instance acts (controller/store/leadership.ts): always this one unless lead() says otherwise. */
  private leadership: Leadership = SOLE_LEADER;
  /** Placement + reservation run one at a time, so two requests never count the same free capacity. */
  private placing: Promise<unknown> = Promise.resolve();
  /** Flows the switch may hold that no record owns (a lost install answer): reconciled once it answers. */
  readonly switchWatch: SwitchWatch;
  /** config.balancer.learn: balanced groups rebalanced from the switch's samples (balanced-learning.ts). */
  readonly learning?: BalancedLearning;
  /** Routed modules' groups and loops (routed.ts); with a switch only. */
  readonly routed?: RoutedModules;

  /** `steering` installs an allocation's switch flows once its PMs run (config.switch); without it, PMs only. */
  constructor(
    readonly config: ResourcedConfig,
    readonly log: (m: string) => void = () => {},
    readonly steering?: Steering,
    /** Where the state is kept (controller/store/); the default forgets it on exit. */
    readonly store: ControllerStore = new MemoryStore(),
  ) {
    const h = config.hosts;
    this.hosts = new HostTable({
      secretFor: (id) => h.secrets[id] ?? h.defaultSecret,
      timeoutMs: h.heartbeatTimeoutMs,
      log,
      onDrop: (ids) => void this.failover(ids).catch((e: Error) => this.log(`failover after losing ${ids.join(', ')}: ${e.message}`)),
    });
    this.types = new PmTypes(config.pm, config.catalog, log);
    this.allocations = new AllocationStore(store);
    this.switchWatch = new SwitchWatch({
      probe: () => this.steering!.cookies(),
      // Settled when every action was done and the switch answered this reconciliation too.
      settle: async () => (await this.reconcile()).every((o) => o.done || o.kind === 'adopt') && (await this.steering!.cookies().then(() => true, () => false)),
      intervalMs: Math.max(1000, h.pollMs * 4),
      log,
    });
    // one sFlow export per bridge: balanced learning and routed loops share it (sampling.ts)
    const sampling = steering && (config.balancer.learn || config.routing.learn) ? new SharedSampling(steering, config.balancer) : undefined;
    if (steering) this.routed = new RoutedModules({ steering, config, log, ...(config.routing.learn ? { sampling } : {}) });
    if (config.balancer.learn && steering)
      this.learning = new BalancedLearning({
        steering,
        sampling: sampling!,
        config: config.balancer,
        log,
        groups: () => this.allocations.list().filter((a) => a.balanced),
        acting: () => this.acting(),
        forwardPort: async (a) => groupPorts(a.parsed, a.balanced!, steeredModules(a), await steering.ports(), config.switch?.uplinks ?? {}).forward.port,
        rebalance: (id) => this.relearn(id),
      });
  }

  /** Loads what the store holds (types, hosts' last URLs, allocations); call once before serving. */
  /** Bumped at each election: a reload begun before it is stale (`reload`). */
  private electedEpoch = 0;
  /** Elected, still loading the records: writes wait (`notLeader`), or they would be lost to the load. */
  private takingOver = false;

  /** Whether this instance acts: the leader, with the records loaded. */
  private acting(): boolean {
    return this.leadership.isLeader() && !this.takingOver;
  }

  async open(): Promise<void> {
    await this.reload(true);
  }

  /** On etcd: this instance acts only while elected; once elected it reloads the records and resumes what was interrupted. */
  lead(l: Leadership): void {
    this.leadership = l;
    l.onElected(() => {
      this.electedEpoch++;
      this.takingOver = true;
      this.reload()
        .finally(() => (this.takingOver = false))
        .then(() => this.reconcile())
        .catch((e: Error) => this.log(`taking over as leader: ${e.message}`));
    });
  }

  /** Whether this instance may act; a refusal naming the leader if not. */
  notLeader(method: string): Failure | undefined {
    if (this.acting()) return undefined;
    if (this.leadership.isLeader()) return failure('not_leader', `${method}: this resourced was just elected and is loading the records; try again`, { leader: this.leadership.leaderUrl() ?? null });
    const url = this.leadership.leaderUrl();
    return failure('not_leader', `${method}: this resourced is not the leader; ${url ? `the leader is ${url}` : 'no leader is elected yet, try again'}`, { leader: url ?? null });
  }

  /**
   * Reloads the records from the store. A follower reloads to answer reads; one that began
   * before this instance was elected is dropped, or it would put back what the new leader's
   * reconcile had just removed (a rolled-back install, seen in CI: controller-etcd.test.ts).
   */
  private async reload(verbose = false): Promise<void> {
    const epoch = this.electedEpoch;
    const snap = await this.store.load();
    if (epoch !== this.electedEpoch) return;
    for (const t of snap.types) this.types.restore(t);
    for (const h of snap.hosts) this.hosts.remember(h.id, h.url);
    this.allocations.restore(snap.allocations.map(fromStored), snap.nextAllocationId);
    const pending = snap.allocations.filter((a) => a.state !== 'installed').length;
    if (verbose) this.log(`store ${this.store.description}: ${snap.types.length} type(s), ${snap.hosts.length} host(s), ${snap.allocations.length} allocation(s)${pending ? `, ${pending} interrupted` : ''}`);
  }

  start(): void {
    this.hosts.start();
    this.learning?.start();
    if (this.acting()) void this.routed?.resume(this.allocations.list());
  }

  /** Stops the timers; with learning, turns the switch's sampling off (awaited by main.ts before the steering closes). */
  async stop(): Promise<void> {
    this.hosts.stop();
    this.switchWatch.stop();
    await this.learning?.close();
    await this.routed?.close();
  }

  /** Whether `who` may speak for a module host (register_host, heartbeat). */
  private hostCaller(who: string, method: string): Reply<never> | undefined {
    const p = this.config.hosts.principals;
    // Registering decides where resourced sends a host's secret: only hostds should.
    return p && !p.includes(who) ? failure('forbidden', `${method}: principal ${who} is not allowed (config hosts.principals)`) : undefined;
  }

  async registerHost(info: Arg<'register_host'>, who = 'local'): Promise<Reply<Result<'register_host'>>> {
    const refused = this.hostCaller(who, 'register_host');
    if (refused) return refused;
    const known = this.hosts.endpoint(info.host_id) !== undefined;
    const r = this.hosts.register(info);
    if (typeof r === 'string') return fail(`register_host refused: ${r}`);
    await this.store.putHost({ id: r.id, url: r.url, registeredAt: new Date(r.registeredAt).toISOString() });
    // A host back after an absence (or after our restart): what it holds is checked against the records.
    if (known) void this.reconcile({ hosts: [r.id] }).catch((e: Error) => this.log(`reconcile after ${r.id} registered: ${e.message}`));
    return ok({ host_id: r.id }, `host ${r.id} registered`);
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
    const ours = this.ourPms();
    const declared = this.declaredMbps();
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
        ...measuredFields(h, ours),
        ...measuredLink(linkCapacity(this.config.platform.hostLinkMbps, this.config.placement.measuredTraffic ? this.measured.hostRates(h.id) : undefined, declared)),
      })),
    );
  }

  /** report_stats: monitord's snapshot (measured.ts); only config monitor.principals may send one. */
  reportStats(a: Arg<'report_stats'>, who = 'local'): Reply<Result<'report_stats'>> {
    if (who !== 'local' && !this.config.monitor.principals.includes(who)) return failure('forbidden', `report_stats: principal ${who} is not allowed (config monitor.principals)`);
    const r = this.measured.apply(a, this.hosts);
    return typeof r === 'string' ? failure('refused', `report_stats: ${r}`) : ok(r);
  }

  async deployPm(r: DeployRequest): Promise<Reply<null>> {
    const refused = this.notLeader('deploy_pm');
    if (refused) return refused;
    const t = this.types.deploy(r);
    if (typeof t === 'string') return failure('refused', t);
    await this.store.putType(t);
    this.log(`pm type ${t.name} deployed (${t.cpu} cores, ${t.memoryMiB} MiB)`);
    return ok(null, `processing module type ${t.name} deployed`);
  }

  /**
   * Seed 2.1.1 get_pm_info: the PM types with a human description and their
   * parameters; beside them the allocations and where each PM runs.
   */
  async pmInfo(): Promise<Reply<Result<'get_pm_info'>>> {
    // A follower answers from the store as it is now, not from what it read last.
    if (!this.acting()) await this.reload();
    return ok({
      types: this.types.list().map((t) => ({ name: t.name, description: t.description, cpu: t.cpu, memoryMiB: t.memoryMiB, deployedAt: t.deployedAt, src: t.src })),
      allocations: this.allocations.list().map((a) => ({
        id: a.id,
        state: a.state,
        ...(a.degraded ? { degraded: a.degraded } : {}),
        request: a.request,
        createdAt: a.createdAt,
        planned: Object.fromEntries(a.planned),
        pms: a.pms.map((p) => {
          const traffic = this.measured.pm(p.host, p.name);
          const rate = this.measured.rate(p.host, p.name);
          return { module: p.module, type: p.type, host: p.host, domid: p.domid, name: p.name, status: p.status, ...(traffic ? { traffic: { ...traffic, ...(rate ? { rate } : {}) } } : {}) };
        }),
        ...(this.measured.allocation(a.id) ? { switch: this.measured.allocation(a.id)! } : {}),
        ...(a.kind && a.kind !== 'allocation' ? { kind: a.kind } : {}),
        ...(a.balanced ? { balanced: this.balancedInfo(a) } : {}),
        ...(this.routed?.info(a) ? { routed: this.routed.info(a)! } : {}),
      })),
    });
  }

  /** get_pm_info's view of a balanced module: each replica's prefixes and its measured load (monitord's vif counters), if reported. */
  private balancedInfo(a: AllocationRecord) {
    const b = a.balanced!;
    const prefixes = prefixesByReplica(b);
    const cookie = groupRulesCookie(a.id, b);
    const learned = this.learning?.info(a);
    return {
      module: b.module,
      field: b.field,
      generation: b.generation,
      ...(cookie !== undefined ? { cookie: cookieText(cookie) } : {}),
      leaving: b.leaving,
      replicas: b.replicas.map((r) => {
        const pm = a.pms.find((p) => p.module === r);
        const traffic = pm && this.measured.pm(pm.host, pm.name);
        const sum = (k: 'inPackets' | 'inBytes' | 'outPackets' | 'outBytes') => traffic!.vifs.reduce((n, v) => n + v[k], 0);
        return {
          module: r,
          pm: pm?.name ?? '',
          host: pm?.host ?? '',
          default: b.defaultServer === r,
          prefixes: prefixes.get(r) ?? [],
          ...(traffic ? { load: { time: traffic.time, inPackets: sum('inPackets'), inBytes: sum('inBytes'), outPackets: sum('outPackets'), outBytes: sum('outBytes') } } : {}),
          ...(learned ? { share: learned.shares.get(r) ?? 0 } : {}),
        };
      }),
      ...(learned?.learned ? { learned: learned.learned } : {}),
    };
  }

  /** For openflowd: module → host/vif mapping of an installed allocation. */
  flowMap(id: number): FlowMap | undefined {
    const a = this.allocations.get(id);
    return a && a.state === 'installed' ? flowMap(a) : undefined;
  }

  /**
   * `count` VLAN ids no recorded vif on `host` uses, lowest first, when the host is behind
   * a switch uplink (config.switch.uplinks); undefined otherwise. Called inside an install
   * or failover, whose own PMs are on record already, so two vifs never get one id.
   */
  private freeVlans = (host: string, count: number): number[] | undefined => {
    if (this.config.switch?.uplinks[host] === undefined) return undefined;
    const used = new Set(this.allocations.list().flatMap((a) => a.pms.filter((p) => p.host === host).flatMap((p) => p.vifs.map((v) => v.vlan))));
    const out: number[] = [];
    for (let v = FIRST_UPLINK_VLAN; v <= MAX_VLAN_ID && out.length < count; v++) if (!used.has(v)) out.push(v);
    return out;
  };

  /**
   * Hosts dropped for missed heartbeats (hosts.ts): every installed allocation with PMs
   * there is marked degraded, those PMs are placed again on live hosts (the others stay
   * where they run), created, and the allocation's flows steered to them; it is healthy
   * again once that is done. The lost PMs leave the record: if their host comes back,
   * reconciliation deletes them as orphans. Only the leader acts.
   */
  async failover(lost: string[]): Promise<void> {
    if (!this.acting()) return;
    await this.exclusive(async () => {
      for (const a of this.allocations.list()) {
        const gone = a.pms.filter((p) => lost.includes(p.host));
        if (a.state !== 'installed' || this.busy.has(a.id) || !gone.length) continue;
        this.busy.add(a.id);
        try {
          await this.placeAgain(a, gone);
        } finally {
          this.busy.delete(a.id);
        }
      }
    });
  }

  private async placeAgain(a: AllocationRecord, gone: PmRecord[]): Promise<void> {
    const where = [...new Set(gone.map((p) => p.host))].join(', ');
    a.degraded = `host ${where} lost (no heartbeat): ${gone.map((p) => p.name).join(', ')} being placed again`;
    await this.allocations.save(a);
    this.log(`audit: allocation ${a.id} degraded: ${a.degraded}`);
    const kept = a.pms.filter((p) => !gone.includes(p));
    const plan = planAllocation(this.liveModel(), this.placed(a.id), a.parsed, this.demand, { bandwidthMbps: this.config.pm.bandwidthMbps, ...this.config.placement }, new Map(kept.map((p) => [p.module, p.host])));
    if (!plan.ok) {
      a.degraded = `host ${where} lost; its PMs cannot be placed again: ${plan.reason}`;
      await this.allocations.save(a);
      this.log(`audit: allocation ${a.id} stays degraded: ${a.degraded}`);
      return;
    }
    // The lost PMs leave the record before their replacements are written: one name, one host.
    a.pms = kept;
    for (const p of gone) a.planned.set(p.module, plan.hosts.get(p.module)!);
    await this.allocations.save(a);
    this.log(`allocation ${a.id}: placing again ${gone.map((p) => `${p.module}→${plan.hosts.get(p.module)}`).join(', ')}`);
    const rv = await installPms(
      a,
      this.installDeps(a),
      new Set(gone.map((p) => p.module)),
    );
    if (rv.code !== 0) {
      a.degraded = `host ${where} lost; placing its PMs again failed: ${rv.message}`;
      await this.allocations.save(a);
      this.log(`audit: allocation ${a.id} stays degraded: ${a.degraded}`);
      return;
    }
    if (this.steering) {
      try {
        // A low-level PM's flows are its connections' records: each is steered to it again.
        for (const r of a.kind === 'pm' ? this.connectionsUsing(a.pm!.name) : [a]) {
          await this.steering.remove(r.id);
          await this.steerRecord(r);
        }
      } catch (e) {
        a.degraded = `host ${where} lost; PMs placed again but their flows failed: ${(e as Error).message}`;
        await this.allocations.save(a);
        this.log(`audit: allocation ${a.id} stays degraded: ${a.degraded}`);
        return;
      }
    }
    delete a.degraded;
    await this.allocations.save(a);
    this.log(`audit: allocation ${a.id} healthy again: ${rv.message.replace(/^allocation \d+ installed: /, 'now ')}`);
  }

  /** Our PMs' guest names, each with its type's declared cores (platform-model.ts OurPms). */
  private ourPms(): Map<string, number> {
    return new Map(this.allocations.list().flatMap((a) => a.pms.map((p) => [p.name, this.demand(p.type).cpu] as const)));
  }

  private declaredMbps(): Map<string, number> {
    return declaredMbps(this.allocations.list(), this.config.pm.bandwidthMbps);
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

  /**
   * install_allocation's and plan_allocation's parse: a module with replicas must sit
   * between FromNet and ToNet (replicas.ts balancedModule, refused at its line:col) and
   * stands as its replicas from here on.
   */
  private parseForInstall(text: string): { req: AllocationRequest; balanced?: BalancedRecord } | Failure {
    const req = this.parse(text);
    if ('code' in req) return req;
    const rm = routedModule(req);
    if (rm) {
      const table = routeTable(rm);
      if (!('routes' in table)) return failure('refused', `allocation:${table.line}:${table.col}: ${table.reason}`, { ...table });
      if (!this.steering) {
        const reason = `IPRouter '${rm.name}' needs a switch for its routes, but resourced steers none (config switch)`;
        return failure('refused', `allocation:${rm.pos.line}:${rm.pos.col}: ${reason}`, { line: rm.pos.line, col: rm.pos.col, reason });
      }
    }
    const bm = balancedModule(req);
    if (!bm) return { req };
    if ('reason' in bm) return failure('refused', `allocation:${bm.line}:${bm.col}: ${bm.reason}`, { ...bm });
    if (!this.steering) {
      const pos = bm.module.replicas!.pos;
      const reason = `module '${bm.module.name}' has replicas, but resourced steers no switch (config switch): nothing would split its traffic`;
      return failure('refused', `allocation:${pos.line}:${pos.col}: ${reason}`, { line: pos.line, col: pos.col, reason });
    }
    const balanced = newBalanced(bm.module);
    return { req: expandReplicas(req, balanced), balanced };
  }

  /** The services placement counts as load: every record with PMs (connections hold none of their own), but `except`. */
  private placed(except?: number) {
    return this.allocations
      .list()
      .filter((x) => x.id !== except && x.kind !== 'connections')
      .map((x) => ({ name: `alloc-${x.id}`, request: x.parsed, hosts: x.state === 'installing' ? x.planned : new Map(x.pms.map((p) => [p.module, p.host])) }));
  }

  private liveModel() {
    const traffic = this.config.placement.measuredTraffic ? { rates: (h: string) => this.measured.hostRates(h), declaredMbps: this.declaredMbps() } : {};
    return buildModel(this.hosts.live(), this.ourPms(), { ...this.config.platform, bandwidthMbps: this.config.pm.bandwidthMbps, measuredCpu: this.config.placement.measuredCpu, ...traffic });
  }

  /** What the create_pm step needs, writing `alloc` to the store. */
  private installDeps(alloc: AllocationRecord): InstallDeps {
    return {
      client: this.client(true),
      type: (n) => this.types.get(n),
      bridge: this.config.bridge,
      pmPrefix: this.config.pmPrefix,
      log: this.log,
      save: () => this.allocations.save(alloc),
      vlans: this.freeVlans,
      // a routed module is no deployed type: its config is the router's for its vif (routed.ts)
      routed: (m, mac) => ({ type: routerPmType(this.config.pm, m.type), config: routerPmConfig(m as Parameters<typeof routerPmConfig>[0], mac) }),
    };
  }

  /**
   * install_allocation's place step: places against the live hosts and reserves the
   * record, under the placement lock (a concurrent request sees the reservation as load).
   */
  private async placeAndReserve(text: string, req: AllocationRequest, balanced?: BalancedRecord): Promise<AllocationRecord | Failure> {
    return this.exclusive(async () => {
      const plan = this.planNew(req);
      if (!plan.ok) return failure('refused', `install_allocation refused, nothing installed: ${plan.reason}`);
      const a = await this.allocations.reserve(text, req, plan.hosts, balanced ? { balanced } : {});
      this.busy.add(a.id);
      return a;
    });
  }

  /**
   * install_allocation as a compound task (D3.2 §3.1.1, docs/platform.md) built from the
   * low-level API's steps: place (the placement engine), one create_pm step per module in
   * request order (createPmStep, which create_pm runs too), then create_connections
   * (the steering's install, as create_connections' own) when a switch is configured. The
   * parts run in order and the first failure stops the rest; settle then rolls back what
   * the earlier parts made and answers as install_allocation always did.
   */
  installPlan(text: string): CompoundPlan {
    const parsed = this.parseForInstall(text);
    const req = 'code' in parsed ? parsed : parsed.req;
    let alloc: AllocationRecord | undefined;
    let placeReply: Failure | undefined;
    let pmFailed: Extract<StepOutcome, { ok: false }> | undefined;
    let switchFailed: string | undefined;
    let flows: number | undefined;
    const parts: StepPart[] = [
      {
        task: 'place',
        run: async () => {
          const refused = this.notLeader('install_allocation');
          if (refused) return (placeReply = refused);
          if ('code' in req) return (placeReply = req);
          const r = await this.placeAndReserve(text, req, 'code' in parsed ? undefined : parsed.balanced);
          if ('code' in r) return (placeReply = r);
          alloc = r;
          this.log(`allocation ${r.id}: placed ${[...r.planned].map(([m, h]) => `${m}→${h}`).join(', ')}`);
          return ok(r.id, `allocation ${r.id} placed`);
        },
      },
      ...('code' in req ? [] : req.modules).map((m, i) => ({
        task: 'create_pm',
        run: async () => {
          const r = await createPmStep(alloc!, i, this.installDeps(alloc!));
          if (!r.ok) {
            pmFailed = r;
            return fail(r.failed.message);
          }
          return ok({ module: m.name, host: r.pm.host, name: r.pm.name }, `${r.pm.name} created on ${r.pm.host}`);
        },
      })),
    ];
    if (this.steering && !('code' in req)) {
      parts.push({
        task: 'create_connections',
        run: async () => {
          const a = alloc!;
          a.state = 'steering';
          await this.allocations.save(a);
          this.log(`allocation ${a.id}: installing its flows`);
          try {
            // A balanced module's flows are its group's (steerRecord → steerGroup).
            flows = await this.steerRecord(a);
            return ok(flows, `${flows} flow(s) installed`);
          } catch (e) {
            switchFailed = (e as Error).message;
            // The flows may be in even though the answer is not (openflowd killed mid-call):
            // remove them by cookie, or owe the switch a reconciliation once it answers.
            await this.unsteer(a).catch((r: Error) => this.switchWatch.owe(`allocation ${a.id}'s flows could not be removed after a failed install (${r.message})`));
            return fail(switchFailed);
          }
        },
      });
    }
    const settle = async (rv: { code: number; message: string }): Promise<Reply<number>> => {
      const a = alloc;
      if (!a) return placeReply ?? fail(rv.message);
      try {
        if (rv.code === 0) {
          a.state = 'installed';
          await this.allocations.save(a);
          const msg = `${installedMessage(a)}${flows === undefined ? '' : `; ${flows} flow(s) installed`}`;
          this.log(msg);
          if (a.balanced) void this.learning?.sync();
          return ok(a.id, msg);
        }
        let reply: Failure;
        if (pmFailed) reply = await rollBackSteps(a, 0, pmFailed, this.installDeps(a));
        else {
          const created = a.pms.length;
          const stuck = await rollBack(a, a.pms, { client: this.client(false), log: this.log });
          let msg = `install_allocation failed at the switch: ${switchFailed ?? rv.message}; rolled back ${created - stuck.length} of ${created} PM(s)`;
          if (stuck.length) msg += `; NOT deleted: ${describeLeft(stuck)}`;
          reply = fail(msg, { id: a.id, rolledBack: created - stuck.length });
        }
        // PMs a rollback could not delete stay recorded: delete_allocation retries them
        if (a.pms.length === 0) await this.allocations.forget(a.id);
        else {
          a.state = 'installed';
          await this.allocations.save(a);
        }
        this.log(reply.message);
        return reply;
      } finally {
        this.busy.delete(a.id);
      }
    };
    return { parts, settle };
  }

  // ---- The low-level API (D3.2 §2.1.2; README "Low-level API") ----

  /** The record of the low-level PM named `name`. */
  lowPm(name: string): AllocationRecord | undefined {
    return this.allocations.list().find((a) => a.kind === 'pm' && a.pm?.name === name);
  }

  /** Records of create_connections whose request uses the low-level PM `name`. */
  private connectionsUsing(name: string): AllocationRecord[] {
    return this.allocations.list().filter((a) => a.kind === 'connections' && a.parsed.modules.some((m) => m.name === name));
  }

  /** Where the steering finds the PMs a connections record joins: each module is the low-level PM of that name. */
  private boundModules(a: AllocationRecord): SteeredAllocation['modules'] {
    return a.parsed.modules.flatMap((m) => {
      const low = this.lowPm(m.name);
      return low ? steeredModules(low) : [];
    });
  }

  /** The steering's install of a record: a connections record's on its switch and table, an allocation's as ever. */
  private steerRecord(a: AllocationRecord): Promise<number> {
    // restore_flows, a failover: the group's recorded assignment as it is (replicas.ts GroupTraffic.keep)
    if (a.balanced) return this.steerGroup(a, true);
    if (this.routed && routedModule(a.parsed)) return this.routed.start(a);
    if (a.kind === 'connections') return this.steering!.connect({ id: a.id, request: a.parsed, text: a.request, modules: this.boundModules(a) }, { name: a.connections!.switchName, table: a.connections!.table });
    return this.steering!.install({ id: a.id, request: a.parsed, modules: steeredModules(a) });
  }

  /**
   * A balanced allocation's flows: its group's next generation over its members as they
   * run now, make-before-break, incremental from the last (replicas.ts installGroup);
   * the new generation and assignment are written once the switch took them.
   */
  private async steerGroup(a: AllocationRecord, keep = false): Promise<number> {
    const b = a.balanced!;
    const ports = groupPorts(a.parsed, b, steeredModules(a), await this.steering!.ports(), this.config.switch?.uplinks ?? {});
    const n = await installGroup(this.steering!, a.id, b, ports, { ...this.learning?.learned(a.id), ...(keep ? { keep } : {}) });
    await this.allocations.save(a);
    this.log(`allocation ${a.id}: group generation ${b.generation}, ${n} flow(s) over ${b.replicas.join(', ')}`);
    return n;
  }

  /**
   * The learned rebalance (balanced-learning.ts): the group's next generation from the
   * estimate, through steerGroup as scale_module's (incremental: only what must move);
   * false when the allocation is being changed (the trigger fires again next window).
   */
  private async relearn(id: number): Promise<boolean> {
    const a = this.allocations.get(id);
    if (!a?.balanced || a.state !== 'installed' || this.busy.has(id) || !this.acting()) return false;
    this.busy.add(id);
    try {
      const b = a.balanced;
      const before = b.leaves.map((l) => ({ prefix: parsePrefix(l.prefix), server: l.server, load: 0 }));
      await this.steerGroup(a);
      const moved = moves(before, b.leaves.map((l) => ({ prefix: parsePrefix(l.prefix), server: l.server, load: 0 })));
      this.log(`audit: allocation ${id}: '${b.module}' rebalanced from measured traffic: generation ${b.generation}, ${moved.length} prefix(es) moved${moved.length ? `: ${moved.slice(0, 8).map((m) => `${prefixText(m.prefix)} ${m.from}→${m.to}`).join(', ')}${moved.length > 8 ? ', …' : ''}` : ''}`);
      return true;
    } finally {
      this.busy.delete(id);
    }
  }

  /** Removes a record's flows: its cookie's, and a balanced group's (every generation it may have on the switch, the one being installed too). */
  private async unsteer(a: AllocationRecord): Promise<void> {
    await this.steering!.remove(a.id);
    if (this.routed && routedModule(a.parsed)) await this.routed.remove(a.id);
    if (!a.balanced) return;
    await removeGroup(this.steering!, a.id, a.balanced);
    await this.steering!.deleteFlows(groupCookie(a.id, 'rules', a.balanced.generation + 1));
  }

  /**
   * scale_module: the balanced module of an allocation to `replicas` members (README
   * "Replicas"). Up: the new replicas are placed (the others pinned where they run) and
   * created by the create_pm step, then the group's next generation gives them their
   * share, taken from the others (an incremental run: only what must move moves); a
   * failure deletes what this call created and leaves the group as it was. Down: the
   * newest replicas leave the group first (their prefixes go to the others, make-before-
   * break), then their PMs are deleted; one that cannot be deleted stays recorded as
   * leaving, for delete_allocation. Value: the members, and the prefixes that moved.
   */
  async scaleModule(arg: Arg<'scale_module'>): Promise<Reply<Result<'scale_module'>>> {
    const refused = this.notLeader('scale_module');
    if (refused) return refused;
    const checked = await this.exclusive((): AllocationRecord | Failure => {
      const a = this.allocations.get(arg.alloc);
      if (!a || (a.kind ?? 'allocation') !== 'allocation') return failure('no_allocation', `no allocation ${arg.alloc}`);
      if (a.balanced?.module !== arg.module) return failure('refused', `scale_module: allocation ${a.id} has no module '${arg.module}' with replicas (a request asks for them as '${arg.module} :: Type() x N'); nothing changed`);
      if (a.state !== 'installed' || this.busy.has(a.id)) return fail(`scale_module: allocation ${a.id} is ${a.state}; try again when it is done`);
      this.busy.add(a.id);
      return a;
    });
    if ('code' in checked) return checked;
    const a = checked;
    const b = a.balanced!;
    const before = b.leaves.map((l) => ({ prefix: parsePrefix(l.prefix), server: l.server, load: 0 }));
    const moved = () => moves(before, b.leaves.map((l) => ({ prefix: parsePrefix(l.prefix), server: l.server, load: 0 }))).map((m) => ({ prefix: prefixText(m.prefix), from: m.from, to: m.to }));
    try {
      const cur = b.replicas.length;
      if (arg.replicas > cur) return await this.scaleUp(a, arg.replicas - cur, moved);
      if (arg.replicas < cur) return await this.scaleDown(a, cur - arg.replicas, moved);
      return ok({ replicas: [...b.replicas], moved: [] }, `allocation ${a.id}: '${b.module}' has ${cur} replica(s) already`);
    } finally {
      this.busy.delete(a.id);
    }
  }

  /** The request as submitted, parsed again (it was accepted once), with the balanced module's members and leavers as its modules. */
  private expanded(a: AllocationRecord): AllocationRequest {
    return expandReplicas(parseAllocation(a.request, 'allocation'), a.balanced!);
  }

  private async scaleUp(a: AllocationRecord, add: number, moved: () => Array<{ prefix: string; from: string; to: string }>): Promise<Reply<Result<'scale_module'>>> {
    const b = a.balanced!;
    const was = { replicas: [...b.replicas], parsed: a.parsed, planned: new Map(a.planned) };
    const undo = async () => {
      b.replicas = was.replicas;
      // a new replica's PM that could not be deleted stays recorded, leaving
      const stuck = a.pms.filter((p) => !was.replicas.includes(p.module) && !b.leaving.includes(p.module)).map((p) => p.module);
      b.leaving.push(...stuck);
      a.parsed = this.expanded(a);
      a.planned = new Map([...was.planned].filter(([m]) => a.parsed.modules.some((x) => x.name === m)));
      for (const p of a.pms) a.planned.set(p.module, p.host);
      await this.allocations.save(a);
    };
    const placed = await this.exclusive(async (): Promise<string[] | Failure> => {
      const slots = freeSlots([...b.replicas, ...b.leaving], add);
      if (!slots) return failure('refused', `scale_module: no ${add} free replica slot(s) (at most ${MAX_REPLICAS}, leaving ones included); nothing changed`);
      const names = slots.map((s) => replicaName(b.module, s));
      b.replicas.push(...names);
      a.parsed = this.expanded(a);
      const plan = planAllocation(this.liveModel(), this.placed(a.id), a.parsed, this.demand, { bandwidthMbps: this.config.pm.bandwidthMbps, ...this.config.placement }, new Map(a.pms.map((p) => [p.module, p.host])));
      if (!plan.ok) {
        b.replicas = was.replicas;
        a.parsed = was.parsed;
        return failure('refused', `scale_module refused, nothing changed: ${plan.reason}`);
      }
      for (const n of names) a.planned.set(n, plan.hosts.get(n)!);
      await this.allocations.save(a);
      return names;
    });
    if ('code' in placed) return placed;
    this.log(`allocation ${a.id}: scale_module adds ${placed.map((n) => `${n}→${a.planned.get(n)}`).join(', ')}`);
    const deps = this.installDeps(a);
    const first = a.pms.length;
    for (const n of placed) {
      const r = await createPmStep(a, a.parsed.modules.findIndex((m) => m.name === n), deps);
      if (!r.ok) {
        const f = await rollBackSteps(a, first, r, deps);
        await undo();
        return fail(f.message.replace(/^install_allocation failed at step \d+\/\d+: /, 'scale_module failed: '), f.value);
      }
    }
    try {
      await this.steerGroup(a);
    } catch (e) {
      const made = a.pms.slice(first);
      const stuck = await rollBack(a, made, { client: this.client(false), log: this.log });
      await undo();
      let msg = `scale_module failed at the switch: ${(e as Error).message}; the group is as it was; deleted ${made.length - stuck.length} of ${made.length} new PM(s)`;
      if (stuck.length) msg += `; NOT deleted: ${describeLeft(stuck)}`;
      return fail(msg);
    }
    const m = moved();
    this.log(`audit: allocation ${a.id}: '${b.module}' scaled to ${b.replicas.length} replica(s); ${m.length} prefix(es) moved`);
    return ok({ replicas: [...b.replicas], moved: m }, `'${b.module}' now has ${b.replicas.length} replica(s); ${m.length} prefix(es) moved`);
  }

  private async scaleDown(a: AllocationRecord, drop: number, moved: () => Array<{ prefix: string; from: string; to: string }>): Promise<Reply<Result<'scale_module'>>> {
    const b = a.balanced!;
    const was = [...b.replicas];
    const gone = b.replicas.slice(-drop);
    b.replicas = b.replicas.slice(0, -drop);
    try {
      // out of the group first: no traffic reaches them when they go
      await this.steerGroup(a);
    } catch (e) {
      b.replicas = was;
      return fail(`scale_module failed at the switch: ${(e as Error).message}; nothing changed`);
    }
    b.leaving.push(...gone);
    await this.allocations.save(a);
    const m = moved();
    const pms = a.pms.filter((p) => gone.includes(p.module));
    const left = await deletePms(pms, { client: this.client(false), log: this.log });
    const deleted = pms.filter((p) => !left.some((l) => l.pm === p));
    a.pms = a.pms.filter((p) => !deleted.includes(p));
    b.leaving = b.leaving.filter((n) => !deleted.some((p) => p.module === n));
    a.parsed = this.expanded(a);
    for (const p of deleted) a.planned.delete(p.module);
    await this.allocations.save(a);
    this.log(`audit: allocation ${a.id}: '${b.module}' scaled to ${b.replicas.length} replica(s); ${m.length} prefix(es) moved; deleted ${deleted.map((p) => p.name).join(', ')}`);
    if (left.length) return fail(`scale_module: '${b.module}' has ${b.replicas.length} replica(s) now and ${m.length} prefix(es) moved, but ${left.length} PM(s) could not be deleted (they stay recorded; delete_allocation retries them): ${describeLeft(left)}`);
    return ok({ replicas: [...b.replicas], moved: m }, `'${b.module}' now has ${b.replicas.length} replica(s); ${m.length} prefix(es) moved`);
  }

  async createPm(arg: PmArg): Promise<Reply<Result<'create_pm'>>> {
    const refused = this.notLeader('create_pm');
    if (refused) return refused;
    if (!this.types.get(arg.type)) return failure('refused', `create_pm: no processing module type '${arg.type}' is deployed (deploy_pm it first); nothing created`);
    if (arg.host !== undefined && !this.hosts.get(arg.host)) return failure('refused', `create_pm: host ${arg.host} is not registered (or sends no heartbeat); nothing created`);
    const vifs = arg.vifs ?? 1;
    const reserved = await this.exclusive(async () => {
      let name = arg.name;
      if (name === undefined) {
        // pm<next id>, or pm<next id>_<k> if a caller took that name
        const base = `pm${this.allocations.issuedBelow}`;
        name = base;
        for (let k = 2; this.lowPm(name); k++) name = `${base}_${k}`;
      } else if (this.lowPm(name)) return failure('refused', `create_pm: a PM named '${name}' exists already (delete_pm it first); nothing created`);
      const pm = { name, type: arg.type, vifs };
      const req = pmRequest(pm, BASE_SYSTEMS[0]!);
      const plan = planAllocation(this.liveModel(), this.placed(), req, this.demand, { bandwidthMbps: this.config.pm.bandwidthMbps, ...this.config.placement }, arg.host ? new Map([[name, arg.host]]) : undefined);
      if (!plan.ok) return failure('refused', `create_pm refused, nothing created: ${plan.reason}`);
      const a = await this.allocations.reserve(`create_pm ${name} :: ${arg.type} (${vifs} vif(s))`, req, plan.hosts, { kind: 'pm', pm });
      this.busy.add(a.id);
      return a;
    });
    if ('code' in reserved) return reserved;
    const a = reserved;
    try {
      const r = await createPmStep(a, 0, this.installDeps(a));
      if (r.ok) {
        a.state = 'installed';
        await this.allocations.save(a);
        const p = r.pm;
        this.log(`audit: create_pm ${a.pm!.name} (${p.type}) is ${p.name} on ${p.host}, domid ${p.domid}`);
        return ok({ name: a.pm!.name, id: a.id, type: p.type, host: p.host, guest: p.name, domid: p.domid, vifs: p.vifs.length }, `PM ${a.pm!.name} created: ${p.name} on ${p.host}`);
      }
      const f = await rollBackSteps(a, 0, r, this.installDeps(a));
      if (a.pms.length === 0) await this.allocations.forget(a.id);
      else {
        a.state = 'installed'; // a guest that may exist stays recorded: delete_pm retries it
        await this.allocations.save(a);
      }
      return fail(f.message.replace(/^install_allocation failed at step 1\/1: /, 'create_pm failed: '), f.value);
    } finally {
      this.busy.delete(a.id);
    }
  }

  /** Where a new request's modules would go on the live hosts, around the allocations there (pinned). */
  private planNew(req: AllocationRequest): ReturnType<typeof planAllocation> {
    return planAllocation(this.liveModel(), this.placed(), req, this.demand, { bandwidthMbps: this.config.pm.bandwidthMbps, ...this.config.placement });
  }

  /** plan_allocation: install_allocation's placement step alone; nothing is reserved or installed. */
  async planOnly(text: string): Promise<Reply<Result<'plan_allocation'>>> {
    const parsed = this.parseForInstall(text);
    if ('code' in parsed) return parsed;
    const req = parsed.req;
    return this.exclusive(async () => {
      const plan = this.planNew(req);
      return plan.ok ? ok(Object.fromEntries(plan.hosts)) : failure('refused', `plan_allocation: ${plan.reason}`);
    });
  }

  async deletePm(arg: { name: string }): Promise<Reply<null>> {
    const refused = this.notLeader('delete_pm');
    if (refused) return refused;
    // Under the placement lock, as create_connections' check and reservation: no connections slip in between.
    const checked = await this.exclusive((): AllocationRecord | Failure => {
      const a = this.lowPm(arg.name);
      if (!a) return failure('no_pm', `delete_pm: no PM named '${arg.name}' (create_pm makes them)`);
      const users = this.connectionsUsing(arg.name);
      if (users.length) return failure('in_use', `delete_pm: PM '${arg.name}' carries the connections of create_connections ${users.map((u) => u.id).join(', ')}: delete_connections first; nothing deleted`, { connections: users.map((u) => u.id) });
      if (a.state !== 'installed' || this.busy.has(a.id)) return fail(`delete_pm: PM '${arg.name}' is ${a.state}; try again when it is done`);
      this.busy.add(a.id);
      return a;
    });
    if ('code' in checked) return checked;
    const a = checked;
    try {
      a.state = 'deleting';
      await this.allocations.save(a);
      return await this.removeAll(a, 'delete_pm');
    } finally {
      this.busy.delete(a.id);
    }
  }

  /** Checks a create_connections/delete_connections request: parsed, and each module a low-level PM of that type with the vifs its ports need. */
  private connectionsRequest(what: string, text: string): AllocationRequest | Failure {
    const req = this.parse(text);
    if ('code' in req) return req;
    for (const m of req.modules) {
      const at = (reason: string, error: ResourcedError = 'refused') => failure(error, `allocation:${m.pos.line}:${m.pos.col}: ${reason}`, { line: m.pos.line, col: m.pos.col, reason });
      if (m.replicas) return at(`module '${m.name}' asks for replicas: ${what} joins existing PMs; replicas are install_allocation's`);
      const low = this.lowPm(m.name);
      if (!low) return at(`module '${m.name}' is not a PM made by create_pm (${what} joins existing PMs by name)`, 'no_pm');
      if (low.pm!.type !== m.type) return at(`module '${m.name}' is a ${low.pm!.type} PM, not ${m.type}`);
      const need = Math.max(m.inputs, m.outputs);
      if (need > low.pm!.vifs) return at(`module '${m.name}' uses port ${need - 1}, but its PM has ${low.pm!.vifs} vif(s) (create_pm's vifs)`);
      if (low.state !== 'installed' || this.busy.has(low.id) || low.pms[0]?.domid == null) return at(`PM '${m.name}' is not running (${low.state})`);
    }
    return req;
  }

  /** The connections record for the same table and request (compared as printed back, so spacing does not matter). */
  private connectionsRecord(req: AllocationRequest, table: number): AllocationRecord | undefined {
    const key = requestText(req);
    return this.allocations.list().find((a) => a.kind === 'connections' && a.connections!.table === table && requestText(a.parsed) === key);
  }

  async createConnections(arg: ConnectionsArg): Promise<Reply<Result<'create_connections'>>> {
    const refused = this.notLeader('create_connections');
    if (refused) return refused;
    if (!this.steering) return failure('refused', 'create_connections: resourced steers no switch (config switch); nothing installed');
    const reserved = await this.exclusive(async () => {
      const req = this.connectionsRequest('create_connections', arg.alloc);
      if ('code' in req) return req;
      const dup = this.connectionsRecord(req, arg.switch_table_id);
      if (dup) return failure('refused', `create_connections: these connections exist already in table ${arg.switch_table_id} (id ${dup.id}); nothing installed`);
      const hosts = new Map(req.modules.map((m) => [m.name, this.lowPm(m.name)!.pms[0]!.host]));
      // "steering" from the start: a resourced killed before the flows are in rolls them back (reconcile).
      const a = await this.allocations.reserve(arg.alloc, req, hosts, { kind: 'connections', connections: { switchName: arg.switch_name, table: arg.switch_table_id }, state: 'steering' });
      this.busy.add(a.id);
      return a;
    });
    if ('code' in reserved) return reserved;
    const a = reserved;
    try {
      const n = await this.steerRecord(a);
      a.state = 'installed';
      await this.allocations.save(a);
      this.log(`audit: create_connections ${a.id}: ${n} flow(s) on switch ${arg.switch_name}, table ${arg.switch_table_id}`);
      return ok({ id: a.id, flows: n }, `${n} flow(s) installed on switch ${arg.switch_name}, table ${arg.switch_table_id}, cookie ${a.id}`);
    } catch (e) {
      const why = (e as Error).message;
      // All or none at the switch; removing by cookie makes sure, and only then is the record dropped.
      try {
        if (!(e instanceof WrongSwitchError)) await this.steering.remove(a.id);
        await this.allocations.forget(a.id);
      } catch (r) {
        this.switchWatch.owe(`create_connections ${a.id}: its flows could not be removed (${(r as Error).message})`);
      }
      const msg = `create_connections failed, nothing installed: ${why}`;
      if (e instanceof WrongSwitchError) return failure('wrong_switch', msg, e.actual ? { switch: e.actual } : {});
      if (e instanceof FlowPlanError) return failure('refused', msg);
      return fail(msg);
    } finally {
      this.busy.delete(a.id);
    }
  }

  async deleteConnections(arg: ConnectionsArg): Promise<Reply<null>> {
    const refused = this.notLeader('delete_connections');
    if (refused) return refused;
    const req = this.parse(arg.alloc);
    if ('code' in req) return req;
    const a = this.connectionsRecord(req, arg.switch_table_id);
    if (!a) return failure('no_connections', `delete_connections: no connections of this request in table ${arg.switch_table_id}; nothing removed`);
    if (a.connections!.switchName !== arg.switch_name) return failure('wrong_switch', `delete_connections: connections ${a.id} are on switch '${a.connections!.switchName}', not '${arg.switch_name}'; nothing removed`, { switch: a.connections!.switchName });
    if (a.state !== 'installed' || this.busy.has(a.id)) return fail(`delete_connections: connections ${a.id} are ${a.state}; try again when done`);
    this.busy.add(a.id);
    try {
      a.state = 'deleting';
      await this.allocations.save(a);
      return await this.removeAll(a, 'delete_connections');
    } finally {
      this.busy.delete(a.id);
    }
  }

  /**
   * delete_allocation as a compound task (D3.2 §3.1.1) of the low-level API's steps:
   * check (and mark "deleting"), delete_connections (removeFlowsStep: the allocation's
   * flows, first, so traffic stops before its modules go), delete_pm (removePmsStep: every
   * PM newest first, each tried). settle answers the first failure, or the success.
   */
  deletePlan(id: number): CompoundPlan {
    let a: AllocationRecord | undefined;
    let reply: Reply<null> | undefined;
    const step = (task: string, run: () => Promise<Reply<null> | undefined>): StepPart => ({
      task,
      run: async () => (reply = (await run()) ?? ok(null)),
    });
    const parts: StepPart[] = [
      step('check', async () => {
        const refused = this.notLeader('delete_allocation');
        if (refused) return refused;
        const r = this.allocations.get(id);
        if (!r || (r.kind ?? 'allocation') !== 'allocation') return failure('no_allocation', `no allocation ${id}`);
        if (r.state !== 'installed' || this.busy.has(id)) return fail(`allocation ${id} is ${r.state}; try again when it is done`);
        this.busy.add(id);
        a = r;
        a.state = 'deleting';
        await this.allocations.save(a);
        this.log(`allocation ${id}: removing it (delete_allocation), flows first`);
        return undefined;
      }),
      step('delete_connections', () => this.removeFlowsStep(a!, 'delete_allocation')),
      step('delete_pm', () => this.removePmsStep(a!, 'delete_allocation')),
    ];
    const settle = async (rv: { code: number; message: string }): Promise<Reply<null>> => {
      if (a) this.busy.delete(a.id);
      if (a?.balanced) void this.learning?.sync();
      return rv.code === 0 ? reply! : (reply ?? fail(rv.message));
    };
    return { parts, settle };
  }

  /** "allocation 3", "PM 'fw' (record 4)", "connections 5": how messages name a record. */
  private label(a: AllocationRecord): string {
    return a.kind === 'pm' ? `PM '${a.pm!.name}' (record ${a.id})` : a.kind === 'connections' ? `connections ${a.id}` : `allocation ${a.id}`;
  }

  /**
   * Removes a record whose state is on record as deleting or interrupted: flows first
   * (traffic stops before its modules go), then its PMs newest first, then the record.
   * What could not be removed stays recorded as installed, for a delete to retry.
   */
  private async removeAll(a: AllocationRecord, what: string): Promise<Reply<null>> {
    this.log(`${this.label(a)}: removing it (${what}), flows first`);
    return (await this.removeFlowsStep(a, what)) ?? (await this.removePmsStep(a, what));
  }

  /** The delete_connections step: the record's flows by cookie; a failure leaves it installed, nothing deleted. */
  private async removeFlowsStep(a: AllocationRecord, what: string): Promise<Failure | undefined> {
    // A low-level PM carries no flows of its own (its connections are records of their own).
    if (!this.steering || a.kind === 'pm') return undefined;
    try {
      await this.unsteer(a);
      return undefined;
    } catch (e) {
      a.state = 'installed';
      await this.allocations.save(a);
      return fail(`${what} ${a.id}: its flows could not be removed, nothing deleted: ${(e as Error).message}`);
    }
  }

  /** The delete_pm step: every PM of the record newest first (each tried), then the record; those left stay recorded. */
  private async removePmsStep(a: AllocationRecord, what: string): Promise<Reply<null>> {
    const before = a.pms.length;
    const left = await deletePms(a.pms, { client: this.client(false), log: this.log });
    if (left.length === 0) {
      await this.allocations.forget(a.id);
      return ok(null, a.kind === 'connections' ? `connections ${a.id} deleted` : `${this.label(a)} deleted (${before} PM(s))`);
    }
    a.pms = a.pms.filter((p) => left.some((l) => l.pm === p));
    a.state = 'installed';
    await this.allocations.save(a);
    const value: Encodable = left.map((l) => ({ name: l.pm.name, host: l.pm.host, message: l.message }));
    return fail(`${what} ${a.id}: ${before - left.length} of ${before} PM(s) deleted; not deleted: ${describeLeft(left)}`, value);
  }

  /** What each host holds (list_pms) and the switch's cookies; a host that does not answer is null. */
  private async observe(hosts: string[]): Promise<Observed> {
    const pmsByHost = new Map<string, string[] | null>();
    await Promise.all(
      hosts.map(async (h) => {
        const c = this.client(false)(h);
        if (typeof c === 'string') return void pmsByHost.set(h, null);
        try {
          const rv = await c.command('list_pms', null);
          pmsByHost.set(h, rv.code === 0 ? (rv.value as Array<{ name: string }>).map((p) => p.name) : null);
        } catch {
          pmsByHost.set(h, null);
        } finally {
          c.close();
        }
      }),
    );
    let cookies: bigint[] | null = null;
    if (this.steering)
      cookies = await this.steering.cookies().catch((e: Error) => {
        // Flows are judged once it answers (the watch reconciles then).
        this.switchWatch.owe(`the switch did not answer reconciliation (${e.message})`);
        return null;
      });
    return { pmsByHost, cookies };
  }

  /**
   * Compares the records with the hosts (all known ones, or `hosts`) and the switch, and
   * finishes or undoes what was interrupted, removing what no allocation owns
   * (reconcile.ts). With dryRun, only says what it would do. One audit line per action.
   */
  async reconcile(o: { dryRun?: boolean; hosts?: string[] } = {}): Promise<ReconcileOutcome[]> {
    // Only the leader acts; it reconciles when elected.
    if (!o.dryRun && !this.acting()) return [];
    return this.exclusive(async () => {
      const all = new Set([...this.hosts.known(), ...this.allocations.list().flatMap((a) => a.pms.map((p) => p.host))]);
      const hosts = o.hosts ? o.hosts.filter((h) => all.has(h) || this.hosts.get(h)) : [...all];
      const seen = await this.observe(hosts);
      // Asked about some hosts only: the records elsewhere are not judged.
      const records = this.allocations.list().filter((a) => !o.hosts || a.pms.some((p) => hosts.includes(p.host)) || a.pms.length === 0);
      const plan = planReconcile(records, this.busy, seen, this.config.pmPrefix, this.allocations.issuedBelow, this.allocations.list());
      const out: ReconcileOutcome[] = [];
      for (const act of plan) {
        let error: string | undefined;
        if (!o.dryRun) error = await this.act(act);
        const done = !o.dryRun && error === undefined;
        if (act.kind !== 'adopt') this.log(`audit: reconcile ${o.dryRun ? 'would ' : ''}${act.kind} allocation ${act.allocation}${act.pm ? ` PM ${act.pm}` : ''}${act.host ? ` on ${act.host}` : ''}: ${act.reason}${error ? ` — failed: ${error}` : ''}`);
        out.push({ ...act, done, ...(error ? { error } : {}) });
      }
      return out;
    });
  }

  /** Carries out one reconcile action; answers why it failed, or undefined. */
  private async act(act: ReconcileAction): Promise<string | undefined> {
    const a = this.allocations.get(act.allocation);
    switch (act.kind) {
      case 'roll_back_install':
      case 'finish_delete': {
        if (!a) return 'no longer recorded';
        a.state = 'deleting';
        await this.allocations.save(a);
        const rv = await this.removeAll(a, 'reconcile');
        return rv.code === 0 ? undefined : rv.message;
      }
      case 'degraded':
        if (a) {
          a.degraded = act.reason;
          await this.allocations.save(a);
        }
        return undefined;
      case 'adopt':
        // Found whole again (a host back): no longer degraded.
        if (a?.degraded) {
          delete a.degraded;
          await this.allocations.save(a);
        }
        return undefined;
      case 'restore_flows':
        if (!a || !this.steering) return 'no longer recorded';
        try {
          await this.steerRecord(a);
          return undefined;
        } catch (e) {
          return (e as Error).message;
        }
      case 'delete_orphan_pm': {
        const left = await deletePms([{ module: '', type: '', host: act.host!, name: act.pm!, domid: null, status: 'created', vifs: [] }], { client: this.client(false), log: this.log });
        return left[0]?.message;
      }
      case 'remove_orphan_flows':
        try {
          if (act.cookie !== undefined) await this.steering!.deleteFlows(BigInt(act.cookie));
          else await this.steering!.remove(act.allocation);
          return undefined;
        } catch (e) {
          return (e as Error).message;
        }
      default:
        return undefined;
    }
  }

  private exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = this.placing.then(fn, fn);
    this.placing = run.catch(() => {});
    return run;
  }
}

/** list_hosts' measured link figures of a host (platform-model.ts linkCapacity is the rule). */
function measuredLink(l: ReturnType<typeof linkCapacity>) {
  return { traffic_mbps: l.through, usable_link_mbps: l.mbps };
}

/** list_hosts' measured figures of a host (platform-model.ts cpuCapacity is the rule). */
function measuredFields(h: HostRecord, ours: ReadonlyMap<string, number>) {
  const cpu = cpuCapacity(h.stats, ours);
  return { cpu_percent: h.stats.cpuPercent ?? null, busy_cores: cpu.busy, usable_cores: cpu.cores, measured_at: new Date(h.statsAt).toISOString(), measured_by: h.statsFrom };
}
