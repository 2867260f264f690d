// openflowd's API as a daemon: install and remove an allocation's flows under its cookie
// (the high-level pair resourced uses), D3.2 §2.1.2's create_connections and
// delete_connections, and what the switch reports. The command files implement it,
// RemoteSteering calls through it, and controller/README.md's table is generated from
// it. The counter shapes are monitord's too (controller/monitord/api.ts).
import { command, defineApi, s, type Infer } from '../../daemon/index.js';
import { MAX_VLAN_ID } from './flows.js';

/** An allocation request is at most this long (resourced's own limit). */
export const MAX_REQUEST_CHARS = 256 * 1024;

const counter = s.double(); // packet and byte counts outgrow XML-RPC's 32-bit int

export const flowCounters = s.struct({
  /** 0x-prefixed hex: an allocation id as a cookie. */
  cookie: s.str(),
  table: s.int(),
  priority: s.int(),
  match: s.str(),
  actions: s.str(),
  packets: counter,
  bytes: counter,
});

export const portCounters = s.struct({ port: s.either(s.int(), s.oneOf('LOCAL')), rxPackets: counter, txPackets: counter, rxBytes: counter, txBytes: counter, rxDropped: counter, txDropped: counter });

export type FlowCounters = Infer<typeof flowCounters>;
export type PortCounters = Infer<typeof portCounters>;

/** A 64-bit cookie as 0x-hex or decimal text (XML-RPC's int is 32 bits). */
export const cookie = s.titled(s.str({ max: 20, pattern: /^(0x[0-9a-fA-F]{1,16}|[0-9]{1,20})$/ }), 'cookie (0x-hex or decimal string)');
const request = s.titled(s.str({ max: MAX_REQUEST_CHARS }), 'the request text (D3.2 §2.1.4)');
/** A vif on the switch (its port number), or one behind a host's uplink port with its VLAN (flows.ts VifPort). */
export const vifPort = s.either(s.int({ min: 1 }), s.struct({ port: s.int({ min: 1 }), vlan: s.int({ min: 1, max: MAX_VLAN_ID }) }));
export const modulePorts = s.map(s.array(vifPort, { min: 1, max: 64 }), { key: /^[A-Za-z0-9_@\/.-]{1,128}$/, max: 1024 });
const switchName = s.str({ max: 255 });
const tableId = s.int({ min: 0, max: 254 });

export const openflowdApi = defineApi({
  daemon: 'openflowd',
  methods: {
    install_flows: command({
      help: 'Plans an allocation\'s flows from its request and its modules\' vif ports and installs them under the cookie, all or none. Value: the number of flows.',
      params: s.struct({ cookie, request, module_ports: modulePorts }),
      result: s.int(),
    }),
    add_flows: command({
      help: 'Installs flows the caller made (a balanced group\'s prefix rules, controller/balancer/README.md) under the cookie, all or none; each flow in ovs-ofctl syntax without its cookie (table=,priority=,match,actions=). Value: the number of flows.',
      params: s.struct({ cookie, flows: s.array(s.str({ max: 4096 }), { max: 65_536 }) }),
      result: s.int(),
    }),
    remove_flows: command({
      help: 'Removes exactly the flows carrying the cookie.',
      params: s.struct({ cookie }),
      result: s.nil(),
    }),
    create_connections: command({
      help: 'D3.2 §2.1.2: install_flows on the named switch, in table switch_table_id. Value: the number of flows.',
      params: s.struct({ switch_name: switchName, switch_table_id: tableId, alloc: request, cookie, module_ports: modulePorts }),
      result: s.int(),
    }),
    delete_connections: command({
      help: 'D3.2 §2.1.2: removes the connections create_connections made for this cookie on the named switch.',
      params: s.struct({ switch_name: switchName, switch_table_id: tableId, alloc: request, cookie }),
      result: s.nil(),
    }),
    list_ports: command({
      help: 'The switch\'s ports: number (or "LOCAL") and name.',
      params: s.optional(s.nil()),
      result: s.array(s.struct({ port: s.either(s.int(), s.oneOf('LOCAL')), name: s.str() })),
      readOnly: true,
    }),
    dump_flows: command({
      help: 'The switch\'s flows with their counters; only one cookie\'s with {cookie}.',
      params: s.optional(s.struct({ cookie: s.optional(cookie) })),
      result: s.array(flowCounters),
      readOnly: true,
    }),
    port_stats: command({
      help: 'Per-port packet, byte and drop counters.',
      params: s.optional(s.nil()),
      result: s.array(portCounters),
      readOnly: true,
    }),
    set_sampling: command({
      help: 'Turns the steered bridge\'s sFlow export on toward a collector ("host:port"), sampling 1 in rate packets at every port\'s ingress (replacing any export), or off without collector; idempotent. ovs-vsctl where ovs-ofctl runs (the native driver: only with config switch.vsctl). Value: the bridge, whether it exports, and each port\'s OpenFlow number with the ifindex sFlow reports it by.',
      params: s.struct({ collector: s.optional(s.str({ max: 260, pattern: /^[A-Za-z0-9.-]{1,253}:\d{1,5}$/ })), rate: s.optional(s.int({ min: 1, max: 1 << 30 })), header: s.optional(s.int({ min: 18, max: 512 })), agent: s.optional(s.str({ max: 64, pattern: /^[A-Za-z0-9_.:-]{1,64}$/ })) }),
      result: s.struct({ bridge: s.str(), enabled: s.bool(), collector: s.optional(s.str()), rate: s.optional(s.int()), ports: s.array(s.struct({ port: s.int(), name: s.str(), ifindex: s.int() })) }),
    }),
    cookies: command({
      help: 'The cookies of the switch\'s flows, each once, as 0x-hex.',
      params: s.optional(s.nil()),
      result: s.array(s.str()),
      readOnly: true,
    }),
  },
  errors: {
    bad_cookie: 'the cookie is not 1 to 2^64-2 (0 is every flow nobody tagged, all ones is reserved by OpenFlow)',
    plan_refused: 'the request or the module ports cannot be planned into flows, or an add_flows flow does not parse (FlowPlanError, or a malformed request); nothing was installed',
    switch_refused: 'the switch refused a flow (FlowInstallError); every flow of that cookie was removed again',
    wrong_switch: 'switch_name is not the switch this openflowd drives (details.switch names it)',
    switch_unreachable: 'the switch did not answer (ovs-ofctl or the OpenFlow channel failed)',
    no_sampling: 'this openflowd cannot configure sFlow: the native driver speaks OpenFlow only (config switch.vsctl names a bridge for ovs-vsctl on this machine), or an ofctl/ssh target that is no bridge name without switch.vsctl.bridge',
  },
});

export type OpenflowdApi = typeof openflowdApi;
export type OpenflowdError = keyof OpenflowdApi['errors'];
