// monitord's API: get_stats and the snapshot it answers, whose hosts' figures are
// hostd's own host_stats (hostd/api.ts). The command file implements it, the CLI's
// `clickos stats` calls through it, and controller/README.md's table of it is generated
// from it. The switch's flow and port shapes are openflowd's (controller/openflowd/api.ts).
import { command, defineApi, s, type Infer } from '../../daemon/index.js';
import { hostStats, pmStats } from '../../hostd/api.js';
import { flowCounters, portCounters } from '../openflowd/api.js';

const counter = s.double(); // packet and byte counts outgrow XML-RPC's 32-bit int

export const hostSample = s.struct({
  name: s.str(),
  /** The id it registered with at resourced (what report_stats names it by). */
  hostId: s.str(),
  url: s.str(),
  ok: s.bool(),
  /** host_stats' value, as hostd sent it (checked against hostd's API). */
  stats: s.optional(s.titled(hostStats, 'host_stats')),
  error: s.optional(s.str()),
  /** pm_stats' value: every PM's vif and Click counters; pmsError when it failed. */
  pms: s.optional(s.titled(s.array(pmStats), 'pm_stats')),
  pmsError: s.optional(s.str()),
});

export const statsSnapshot = s.struct({
  /** ISO time the poll started. */
  time: s.str(),
  hosts: s.array(hostSample),
  switch: s.struct({
    ok: s.bool(),
    error: s.optional(s.str()),
    flows: s.array(flowCounters),
    ports: s.array(portCounters),
    /** The switch's port names (openflowd's list_ports): what vif<domid>.<k>, FromNet and ToNet names are on it (webd labels its graph's edges with them). */
    names: s.optional(s.array(s.struct({ port: s.either(s.int(), s.oneOf('LOCAL')), name: s.str() }))),
    /** Per cookie (allocation): flow count and summed counters. */
    allocations: s.array(s.struct({ cookie: s.str(), flows: s.int(), packets: counter, bytes: counter })),
  }),
  /** How pushing it to resourced went (report_stats), when monitord has one; unknown: hosts resourced does not know. */
  reported: s.optional(s.struct({ ok: s.bool(), error: s.optional(s.str()), unknown: s.optional(s.array(s.str())) })),
});

export type HostSample = Infer<typeof hostSample>;
export type StatsSnapshot = Infer<typeof statsSnapshot>;
export type { FlowCounters, PortCounters } from '../openflowd/api.js';

export const monitordApi = defineApi({
  daemon: 'monitord',
  methods: {
    get_stats: command({
      help: 'Latest platform statistics: every hostd\'s host_stats and pm_stats, switch flow counters (per allocation cookie) and port counters (polled now if there is no snapshot yet).',
      params: s.optional(s.nil()),
      result: statsSnapshot,
      readOnly: true,
    }),
  },
  errors: {},
});
export type MonitordApi = typeof monitordApi;
