// hostd's API: every method with its argument and result schemas, and the error codes
// its failures carry. The method files implement it (daemon/contract.ts implement),
// resourced's and monitord's clients call through it, and the method table of
// hostd/README.md is generated from it. Argument patterns are toolstack/limits.ts's,
// so nothing that passes here is refused later by xl or guests/ for its form.
import { command, defineApi, s, task, type Infer } from '../daemon/index.js';
import { ABSOLUTE_PATH_RE, BRIDGE_RE, CLICKOS_MAX_WRITE_VALUE, DOMAIN_NAME_RE, ELEMENT_RE, HANDLER_RE, MAX_DOMID, MAX_RID, MAX_VIFS, UNICAST_MAC_RE } from '../toolstack/limits.js';

/** The schema bound on a Click config; the configured guests.maxConfigBytes (smaller) is checked in the method. */
export const MAX_CONFIG_CHARS = 256 * 1024;
/** A PM's memory bounds, MiB (the configured guests.maxMemoryMiB is checked in the method). */
export const MEMORY_MIB = { min: 4, max: 1 << 20 } as const;

export const name = s.str({ max: 64, pattern: DOMAIN_NAME_RE });
/** dom0 (0) is never a PM. */
export const domid = s.int({ min: 1, max: MAX_DOMID });
/** A PM by domid or by name. */
export const pm = s.either(domid, name);
export const rid = s.int({ min: 0, max: MAX_RID });
export const element = s.str({ max: 128, pattern: ELEMENT_RE });
export const handler = s.str({ max: 128, pattern: HANDLER_RE });
/** Non-empty (ClickOS ignores empty writes), no NUL. */
/** ClickOS reads at most CLICKOS_MAX_WRITE_VALUE bytes (docs/clickos.md §3 "Value sizes"); guests/ checks the bytes. */
export const handlerValue = s.str({ max: CLICKOS_MAX_WRITE_VALUE, pattern: /^[^\0]+$/ });
/** Some non-blank text, no NUL. */
export const clickConfig = s.str({ max: MAX_CONFIG_CHARS, pattern: /^(?=[\s\S]*\S)[^\0]*$/ });
export const configName = s.str({ max: 64, pattern: /^[A-Za-z0-9_.-]{1,64}$/ });
export const kernel = s.str({ max: 255, pattern: ABSOLUTE_PATH_RE });
export const memory = s.int(MEMORY_MIB);
export const bridge = s.str({ max: 15, pattern: BRIDGE_RE });
export const mac = s.str({ max: 17, pattern: UNICAST_MAC_RE });
export const vif = s.struct({ bridge, mac: s.optional(mac) });
export const vifs = s.array(vif, { max: MAX_VIFS });

const pmRef = s.struct({ pm });
const routerRef = s.struct({ pm, rid });
const handlerRef = { pm, rid, element, handler };

export const domainStats = s.struct({
  name: s.str(),
  domid: s.int(),
  /** True for this hostd's processing modules. */
  pm: s.bool(),
  state: s.str(),
  memoryMiB: s.int(),
  vcpus: s.int(),
  cpuSeconds: s.double(),
  /** Per cent of one CPU over the last second (xentop); nil without xentop. */
  cpuPercent: s.either(s.double(), s.nil()),
});

/** host_stats' value; register_host and heartbeat carry the same figures (controller/resourced/api.ts). */
export const hostStats = s.struct({
  hostname: s.str({ max: 255 }),
  xenVersion: s.str({ max: 64 }),
  nrCpus: s.int({ min: 1 }),
  totalMemoryMiB: s.int({ min: 0 }),
  freeMemoryMiB: s.int({ min: 0 }),
  /** Sum of every domain's CPU% over the host's CPUs (0-100); nil without xentop. */
  cpuPercent: s.either(s.double(), s.nil()),
  /** dom0's load averages (1, 5, 15 min). */
  dom0LoadAvg: s.array(s.double(), { max: 3 }),
  pms: s.int({ min: 0 }),
  pool: s.either(s.struct({ idle: s.int(), warming: s.int(), size: s.int() }), s.nil()),
  domains: s.array(domainStats, { max: MAX_DOMID }),
});
export type HostStats = Infer<typeof hostStats>;

/** Packet and byte counts outgrow XML-RPC's 32-bit int: doubles (exact to 2^53). */
const counter = s.double();
/** At most this many Click counter elements are read per PM by pm_stats (each read is a XenStore round trip through the guest). */
export const MAX_CLICK_COUNTERS = 16;

/** One vif as the guest sees it (dom0's rx is the guest's out, dom0's tx its in). */
export const vifCounters = s.struct({ vif: s.int({ min: 0 }), device: s.str(), inPackets: counter, inBytes: counter, outPackets: counter, outBytes: counter });
/** A Counter-like element of a running router: its count and byte_count handlers (nil and error when the read failed). */
export const clickCounter = s.struct({
  rid,
  element,
  class: s.str(),
  count: s.either(counter, s.nil()),
  byteCount: s.either(counter, s.nil()),
  error: s.optional(s.str()),
});
export const pmStats = s.struct({ domid, name, time: s.str(), vifs: s.array(vifCounters, { max: MAX_VIFS }), click: s.array(clickCounter, { max: MAX_CLICK_COUNTERS }) });
export type VifCounters = Infer<typeof vifCounters>;
export type ClickCounter = Infer<typeof clickCounter>;
export type PmStats = Infer<typeof pmStats>;
export type DomainStats = Infer<typeof domainStats>;

export const hostdApi = defineApi({
  daemon: 'hostd',
  methods: {
    // The module host daemon (D3.2 §3.1): processing modules made and destroyed, the
    // host's load (host_stats, below).
    create_pm: task({
      help: 'Creates a ClickOS guest, installs the Click config and starts it.',
      params: s.struct({ name, kernel: s.optional(kernel), memory: s.optional(memory), vifs: s.optional(vifs), config: clickConfig, configName: s.optional(configName) }),
      result: s.struct({ domid, name, rid, source: s.oneOf('pool', 'replug', 'create'), confirmed: s.bool() }),
      priority: 'high',
    }),
    delete_pm: task({
      help: 'Destroys one of this host\'s processing modules (by domid or name).',
      params: pmRef,
      result: s.struct({ domid, name }),
      priority: 'high',
    }),
    // The processing module daemon (D3.2 §3.1): a ClickOS guest cannot run one, so hostd
    // plays it from dom0 for each of its PMs (hostd/README.md "Processing module
    // daemon"): routers installed, started, stopped, replaced and removed; handlers read
    // and written; the PM's traffic figures.
    install_router: command({
      help: 'Installs a Click config as a new (Halted) router; value = its rid.',
      params: s.struct({ pm, config: clickConfig, configName: s.optional(configName) }),
      result: s.titled(rid, 'the rid (int)'),
    }),
    start_router: command({
      help: 'Starts a router; confirmed is true when the guest\'s console confirmed the start.',
      params: routerRef,
      result: s.struct({ confirmed: s.bool() }),
    }),
    stop_router: command({ help: 'Stops a router (its config stays installed).', params: routerRef, result: s.nil() }),
    remove_router: command({
      help: 'Removes a router (a Running one only with force).',
      params: s.struct({ pm, rid, force: s.optional(s.bool()) }),
      result: s.nil(),
    }),
    read_handler: command({ help: 'Reads a Click handler; value = its text.', params: s.struct(handlerRef), result: s.str(), readOnly: true }),
    write_handler: command({ help: 'Writes a Click handler.', params: s.struct({ ...handlerRef, value: handlerValue }), result: s.nil() }),
    replace_config: command({
      help: 'Replaces a PM\'s running router(s) with a new Click config: checked, installed, the old stopped, the new started, the old removed; if the new one fails to start it is removed and the old ones run again.',
      params: s.struct({ pm, config: clickConfig, configName: s.optional(configName) }),
      result: s.struct({ rid, replaced: s.array(rid), confirmed: s.bool() }),
    }),
    pm_stats: command({
      help: `A PM's traffic: its vif counters (as the guest sees them) and the count/byte_count of up to ${MAX_CLICK_COUNTERS} Counter-like elements of its running routers; every PM without pm.`,
      params: s.optional(s.either(s.nil(), s.struct({ pm: s.optional(pm) }))),
      result: s.array(pmStats),
      readOnly: true,
    }),
    list_pms: command({
      help: 'This host\'s processing modules, each with its routers.',
      params: s.nil(),
      result: s.array(s.struct({ domid, name, routers: s.array(s.struct({ rid, status: s.str(), configName: s.either(s.str(), s.nil()) })) })),
      readOnly: true,
    }),
    host_stats: command({
      help: 'Host and per-domain CPU and memory; {xentop: false} skips the 1 s xentop sample.',
      params: s.optional(s.either(s.nil(), s.struct({ xentop: s.optional(s.bool()) }))),
      result: hostStats,
      readOnly: true,
    }),
  },
  errors: {
    pm_not_found: 'no processing module of this host has that domid or name (already deleted, or never this host\'s)',
    refused: 'the request breaks a rule of this host\'s configuration (kernel, memory, config size) or the Click checker',
    exists: 'a domain of that name exists, or a create_pm for it is running',
  },
});

export type HostdApi = typeof hostdApi;
export type HostdError = keyof HostdApi['errors'];
