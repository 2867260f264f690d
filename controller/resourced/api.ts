// resourced's API: the high-level methods users call (deploy_pm, install_allocation,
// ...), D3.2 §2.1.2's low-level ones (create_pm, delete_pm, create_connections,
// delete_connections; install_allocation is composed of their steps) and the two hostd calls (register_host, heartbeat), with their argument and
// result schemas and the error codes its failures carry. The method files implement
// it, hostd's controller link calls through it, and the README's method table is
// generated from it. register_host and heartbeat carry hostd's own host_stats figures
// (hostd/api.ts), so a host's load has one shape and one spelling end to end.
import { command, defineApi, s, task, type Infer } from '../../daemon/index.js';
import { clickCounter, hostStats as hostdStats, pmStats, vifCounters } from '../../hostd/api.js';
import { HOST_ID_RE, HTTP_URL_RE, MAX_REPLICAS, MAX_VIFS } from '../../toolstack/limits.js';

/** An allocation request is at most this long. */
export const MAX_REQUEST_CHARS = 256 * 1024;

const hostId = s.str({ max: 128, pattern: HOST_ID_RE });
/** hostd's host_stats value, PM domains only (its shape is hostd's API's, outlined in hostd/README.md). */
const hostStats = s.titled(hostdStats, 'host_stats');
const allocationId = s.int({ min: 1 });

/** A low-level PM's name: the module name create_connections' requests use for it (a Click element name, kept short for the guest name). */
export const PM_NAME_RE = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;
const pmName = s.str({ max: 32, pattern: PM_NAME_RE });
/** D3.2 §2.1.2's PM: a deployed type, optionally its name, the host it must run on, its number of vifs (default 1). */
export const pmArg = s.titled(
  s.struct({ type: s.str({ max: 64 }), name: s.optional(pmName), host: s.optional(hostId), vifs: s.optional(s.int({ min: 1, max: MAX_VIFS })) }),
  '{type, name?, host?, vifs?}',
);
export type PmArg = Infer<typeof pmArg>;
/** D3.2 §2.1.2's create_connections/delete_connections argument; `alloc` names low-level PMs as its modules. */
export const connectionsArg = s.struct({ switch_name: s.str({ max: 255 }), switch_table_id: s.int({ min: 0, max: 254 }), alloc: s.titled(s.str({ max: MAX_REQUEST_CHARS }), 'request text') });
export type ConnectionsArg = Infer<typeof connectionsArg>;

export const registerArg = s.struct({
  host_id: hostId,
  /** Where resourced calls the host's hostd back. */
  url: s.str({ max: 2048, pattern: HTTP_URL_RE }),
  daemon: s.optional(s.str({ max: 64 })),
  /** The hostd's methods (its API's names). */
  methods: s.optional(s.array(s.str({ max: 64 }), { max: 256 })),
  stats: hostStats,
});
export type RegisterArg = Infer<typeof registerArg>;

const counter = s.double(); // packet and byte counts outgrow XML-RPC's 32-bit int
/** monitord's snapshot as it pushes it (controller/monitord/api.ts; controller/README.md "monitord feeds resourced"). */
export const statsReport = s.struct({
  /** ISO time the poll started. */
  time: s.str({ max: 64 }),
  hosts: s.array(s.struct({ host_id: hostId, stats: s.optional(hostStats), pms: s.optional(s.array(pmStats, { max: 32_768 })) }), { max: 4096 }),
  switch: s.optional(s.struct({ allocations: s.array(s.struct({ cookie: s.str({ max: 20 }), flows: s.int(), packets: counter, bytes: counter }), { max: 1 << 20 }) })),
});
export type StatsReportArg = Infer<typeof statsReport>;

export const resourcedApi = defineApi({
  daemon: 'resourced',
  methods: {
    install_allocation: task({
      help: 'Installs an allocation request (D3.2 §2.1.4 syntax): parsed, placed on the live hosts, each PM created through its hostd; any failure rolls back. Value: the allocation id.',
      params: s.titled(s.str({ max: MAX_REQUEST_CHARS }), 'the request text (D3.2 §2.1.4)'),
      result: s.titled(allocationId, 'the allocation id (integer)'),
      priority: 'high',
    }),
    delete_allocation: task({
      help: 'Deletes an allocation (by id) and every PM it created.',
      params: s.titled(allocationId, 'the allocation id'),
      result: s.nil(),
      priority: 'high',
    }),
    scale_module: task({
      help: 'Sets the number of replicas of an allocation\'s balanced module (`n :: NAT() x 4`): new replicas are placed and created, leaving ones taken out of the group, then deleted; the prefix rules change only where they must (an incremental rebalance, make-before-break). Value: the replicas, and each prefix that moved.',
      params: s.struct({ alloc: allocationId, module: s.str({ max: 64 }), replicas: s.int({ min: 1, max: MAX_REPLICAS }) }),
      result: s.struct({ replicas: s.array(s.str()), moved: s.array(s.struct({ prefix: s.str(), from: s.str(), to: s.str() })) }),
      priority: 'high',
    }),
    create_pm: task({
      help: 'D3.2 §2.1.2: instantiates one processing module of a deployed type: placed by the placement engine (on `host` if given), created through that host\'s hostd, recorded. Value: the PM, whose name delete_pm and create_connections use.',
      params: pmArg,
      result: s.struct({ name: pmName, id: allocationId, type: s.str(), host: hostId, guest: s.str(), domid: s.either(s.int(), s.nil()), vifs: s.int() }),
      priority: 'high',
    }),
    delete_pm: task({
      help: 'D3.2 §2.1.2: removes a PM create_pm made (by name), once no connections use it.',
      params: s.struct({ name: pmName }),
      result: s.nil(),
      priority: 'high',
    }),
    create_connections: task({
      help: 'D3.2 §2.1.2: installs the flows of `alloc` (a request whose modules are PMs made by create_pm, by name) on the named switch\'s table, through openflowd, under a cookie of its own. Value: {id: the cookie, flows}.',
      params: connectionsArg,
      result: s.struct({ id: allocationId, flows: s.int() }),
      priority: 'high',
    }),
    delete_connections: task({
      help: 'D3.2 §2.1.2: removes exactly the flows create_connections installed for the same switch, table and request.',
      params: connectionsArg,
      result: s.nil(),
      priority: 'high',
    }),
    deploy_pm: command({
      help: 'Deploys a processing-module type: its name (the element class requests use) and Click source, checked by clickos-build\'s checker.',
      params: s.struct({
        name: s.str({ max: 64 }),
        src: s.str({ max: MAX_REQUEST_CHARS }),
        cpu: s.optional(s.double()),
        memoryMiB: s.optional(s.int({ min: 8, max: 1 << 20 })),
        description: s.optional(s.str({ max: 4096 })),
      }),
      result: s.nil(),
    }),
    get_pm_info: command({
      help: 'The PM types on offer, and the allocations with where each of their PMs runs.',
      params: s.optional(s.nil()),
      result: s.struct({
        types: s.array(s.struct({ name: s.str(), description: s.str(), cpu: s.double(), memoryMiB: s.int(), deployedAt: s.str(), src: s.str({ max: MAX_REQUEST_CHARS }) })),
        allocations: s.array(
          s.struct({
            id: allocationId,
            /** A record of the low-level API (create_pm, create_connections); absent for install_allocation's. */
            kind: s.optional(s.oneOf('pm', 'connections')),
            state: s.oneOf('installing', 'steering', 'installed', 'deleting'),
            /** Why it is not whole (a PM its host no longer has), from the last reconciliation. */
            degraded: s.optional(s.str()),
            request: s.str({ max: MAX_REQUEST_CHARS }),
            createdAt: s.str(),
            planned: s.titled(s.map(hostId), '{module: host_id}'),
            pms: s.array(
              s.struct({
                module: s.str(),
                type: s.str(),
                host: hostId,
                domid: s.either(s.int(), s.nil()),
                name: s.str(),
                status: s.oneOf('creating', 'created'),
                /** Its last measured traffic (monitord's report_stats: hostd pm_stats), when there is one. */
                traffic: s.optional(
                  s.struct({
                    time: s.str(),
                    vifs: s.array(vifCounters),
                    click: s.array(clickCounter),
                    /** What crossed it between monitord's last two reports (measured.ts rate), once there were two. */
                    rate: s.optional(s.struct({ mbps: s.double(), pps: s.double(), over: s.double() })),
                  }),
                ),
              }),
            ),
            /** Its flows' summed switch counters (monitord's report_stats), when there are some. */
            switch: s.optional(s.struct({ time: s.str(), flows: s.int(), packets: counter, bytes: counter })),
            /** A module with replicas: its group's rules (generation, cookie), each member's prefixes and measured load (monitord's vif counters, summed), when reported. */
            balanced: s.optional(
              s.struct({
                module: s.str(),
                field: s.oneOf('src', 'dst'),
                generation: s.int(),
                cookie: s.optional(s.str()),
                leaving: s.array(s.str()),
                replicas: s.array(
                  s.struct({
                    module: s.str(),
                    pm: s.str(),
                    host: s.str(),
                    default: s.bool(),
                    prefixes: s.array(s.str()),
                    load: s.optional(s.struct({ time: s.str(), inPackets: counter, inBytes: counter, outPackets: counter, outBytes: counter })),
                    /** With config balancer.learn: the fraction of the estimated traffic its prefixes carry (balanced-learning.ts). */
                    share: s.optional(s.double()),
                  }),
                ),
                /** With config balancer.learn: the last sampling window closed (time, samples from the forward port), the imbalance it showed and the trigger's verdict. */
                learned: s.optional(s.struct({ time: s.str(), windows: s.int(), samples: s.int(), imbalance: s.double(), verdict: s.oneOf('balanced', 'confirming', 'too-soon', 'rebalance', 'busy') })),
              }),
            ),
            /** A routed module (IPRouter; README "Routed modules"): the prefixes on the switch now, the punts, and the last bin (packets counted exactly + estimated from samples, the software path's share). */
            routed: s.optional(
              s.struct({
                module: s.str(),
                n: s.int(),
                routes: s.int(),
                learning: s.bool(),
                offloaded: s.array(s.str()),
                punts: s.array(s.str()),
                bins: s.int(),
                last: s.optional(s.struct({ time: s.str(), packets: s.double(), softwareShare: s.double(), exact: s.double(), sampled: s.double(), added: s.int(), removed: s.int() })),
                error: s.optional(s.str()),
              }),
            ),
          }),
        ),
      }),
      readOnly: true,
    }),
    reconcile: task({
      help: 'Compares the records with each host\'s list_pms and the switch\'s flows: finishes or rolls back interrupted installs and deletes, removes PMs and flows no allocation owns; {dry_run: true} only lists the actions. Runs by itself at start and when a host registers again.',
      params: s.optional(s.either(s.nil(), s.struct({ dry_run: s.optional(s.bool()) }))),
      result: s.array(
        s.struct({
          kind: s.oneOf('roll_back_install', 'finish_delete', 'adopt', 'degraded', 'restore_flows', 'delete_orphan_pm', 'remove_orphan_flows'),
          allocation: s.int(),
          cookie: s.optional(s.str()),
          host: s.optional(hostId),
          pm: s.optional(s.str()),
          reason: s.str(),
          done: s.bool(),
          error: s.optional(s.str()),
        }),
      ),
    }),
    list_hosts: command({
      help: 'The registered module hosts, their capacity and our PMs on them.',
      params: s.optional(s.nil()),
      result: s.array(
        s.struct({
          host_id: hostId,
          url: s.str(),
          hostname: s.str(),
          cores: s.int(),
          total_memory_mib: s.int(),
          free_memory_mib: s.int(),
          heartbeats: s.int(),
          last_seen_ms_ago: s.int(),
          pms: s.array(s.str()),
          /** Measured load (platform-model.ts cpuCapacity): host CPU% (nil without xentop), the cores it means, the cores placement may still use. */
          cpu_percent: s.either(s.double(), s.nil()),
          busy_cores: s.either(s.double(), s.nil()),
          usable_cores: s.double(),
          /** When the figures were measured, and who sent them (register_host, heartbeat, monitord). */
          measured_at: s.str(),
          measured_by: s.str(),
          /** Measured traffic through its PMs (Mb/s, nil before monitord's second report) and the link placement may still reserve (platform-model.ts linkCapacity). */
          traffic_mbps: s.either(s.double(), s.nil()),
          usable_link_mbps: s.double(),
        }),
      ),
      readOnly: true,
    }),
    plan_allocation: command({
      help: 'Where install_allocation would place a request\'s modules now (measured load included), without installing anything. Value: {module: host_id}.',
      params: s.titled(s.str({ max: MAX_REQUEST_CHARS }), 'the request text (D3.2 §2.1.4)'),
      result: s.titled(s.map(hostId), '{module: host_id}'),
      readOnly: true,
    }),
    report_stats: command({
      help: 'monitord\'s snapshot: each host\'s host_stats (placement uses the newest figures), each PM\'s traffic (pm_stats), the switch\'s counters per allocation. Only config monitor.principals may call it.',
      params: statsReport,
      result: s.struct({ hosts: s.int(), pms: s.int(), unknown: s.array(hostId) }),
      // Every few seconds: kept out of the audit log, like heartbeat.
      readOnly: true,
    }),
    register_host: command({
      help: 'A module host\'s hostd announces itself with its host_stats; the reply\'s host_id is the one it heartbeats with.',
      params: registerArg,
      result: s.struct({ host_id: hostId }),
    }),
    heartbeat: command({
      help: 'A module host is alive; stats (its host_stats, PM domains only) feed placement, statsError says why there are none this time.',
      params: s.struct({ host_id: s.either(hostId, s.nil()), stats: s.optional(hostStats), statsError: s.optional(s.str({ max: 1024 })) }),
      result: s.nil(),
      // Every few seconds per host: kept out of the audit log.
      readOnly: true,
    }),
  },
  errors: {
    unknown_host: 'heartbeat from a host not (or no longer) registered: hostd registers again',
    forbidden: 'the caller\'s principal may not call this method (config hosts.principals, monitor.principals)',
    refused: 'the request is malformed or cannot be placed; nothing was installed',
    no_allocation: 'no allocation has that id',
    no_pm: 'no PM made by create_pm has that name',
    in_use: 'the PM carries connections (details.connections: their ids); delete_connections first',
    wrong_switch: 'switch_name is not the switch resourced steers (details.switch names it, when known)',
    no_connections: 'no create_connections with that switch, table and request is recorded',
    not_leader: 'this resourced instance is not the elected leader (store: etcd); details.leader is the leader\'s URL, or null while none is elected',
  },
});

export type ResourcedApi = typeof resourcedApi;
export type ResourcedError = keyof ResourcedApi['errors'];
