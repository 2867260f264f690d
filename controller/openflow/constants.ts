// OpenFlow 1.3 protocol constants (OpenFlow Switch Specification 1.3.x, wire protocol
// 0x04). Kept apart from the message codec as Ryu does (ofproto_v1_3 vs its parser), so
// the numbers can be checked against the spec in one place.

export const OFP_VERSION = 0x04;
export const OFP_HEADER_LEN = 8;
/** IANA-assigned controller port (spec 1.3.x, section 6.3.1). */
export const OFP_TCP_PORT = 6653;

export const OFPT = {
  HELLO: 0,
  ERROR: 1,
  ECHO_REQUEST: 2,
  ECHO_REPLY: 3,
  EXPERIMENTER: 4,
  FEATURES_REQUEST: 5,
  FEATURES_REPLY: 6,
  GET_CONFIG_REQUEST: 7,
  GET_CONFIG_REPLY: 8,
  SET_CONFIG: 9,
  PACKET_IN: 10,
  FLOW_REMOVED: 11,
  PORT_STATUS: 12,
  PACKET_OUT: 13,
  FLOW_MOD: 14,
  GROUP_MOD: 15,
  PORT_MOD: 16,
  TABLE_MOD: 17,
  MULTIPART_REQUEST: 18,
  MULTIPART_REPLY: 19,
  BARRIER_REQUEST: 20,
  BARRIER_REPLY: 21,
  QUEUE_GET_CONFIG_REQUEST: 22,
  QUEUE_GET_CONFIG_REPLY: 23,
  ROLE_REQUEST: 24,
  ROLE_REPLY: 25,
  GET_ASYNC_REQUEST: 26,
  GET_ASYNC_REPLY: 27,
  SET_ASYNC: 28,
  METER_MOD: 29,
} as const;

/** Hello element types. */
export const OFPHET_VERSIONBITMAP = 1;

/** Error types (ofp_error_type) and the codes we name in messages. */
export const OFPET = {
  HELLO_FAILED: 0,
  BAD_REQUEST: 1,
  BAD_ACTION: 2,
  BAD_INSTRUCTION: 3,
  BAD_MATCH: 4,
  FLOW_MOD_FAILED: 5,
  GROUP_MOD_FAILED: 6,
  PORT_MOD_FAILED: 7,
  TABLE_MOD_FAILED: 8,
  QUEUE_OP_FAILED: 9,
  SWITCH_CONFIG_FAILED: 10,
  ROLE_REQUEST_FAILED: 11,
  METER_MOD_FAILED: 12,
  TABLE_FEATURES_FAILED: 13,
  EXPERIMENTER: 0xffff,
} as const;
export const OFPHFC_INCOMPATIBLE = 0;

/** Names for the error codes a flow install can meet, for messages a user can act on. */
export const ERROR_NAMES: Record<number, Record<number, string>> = {
  [OFPET.HELLO_FAILED]: { 0: 'OFPHFC_INCOMPATIBLE', 1: 'OFPHFC_EPERM' },
  [OFPET.BAD_REQUEST]: {
    0: 'OFPBRC_BAD_VERSION', 1: 'OFPBRC_BAD_TYPE', 2: 'OFPBRC_BAD_MULTIPART', 3: 'OFPBRC_BAD_EXPERIMENTER',
    4: 'OFPBRC_BAD_EXP_TYPE', 5: 'OFPBRC_EPERM', 6: 'OFPBRC_BAD_LEN', 7: 'OFPBRC_BUFFER_EMPTY',
    8: 'OFPBRC_BUFFER_UNKNOWN', 9: 'OFPBRC_BAD_TABLE_ID', 10: 'OFPBRC_IS_SLAVE', 11: 'OFPBRC_BAD_PORT',
    12: 'OFPBRC_BAD_PACKET', 13: 'OFPBRC_MULTIPART_BUFFER_OVERFLOW',
  },
  [OFPET.BAD_ACTION]: {
    0: 'OFPBAC_BAD_TYPE', 1: 'OFPBAC_BAD_LEN', 2: 'OFPBAC_BAD_EXPERIMENTER', 3: 'OFPBAC_BAD_EXP_TYPE',
    4: 'OFPBAC_BAD_OUT_PORT', 5: 'OFPBAC_BAD_ARGUMENT', 6: 'OFPBAC_EPERM', 7: 'OFPBAC_TOO_MANY',
    8: 'OFPBAC_BAD_QUEUE', 9: 'OFPBAC_BAD_OUT_GROUP', 10: 'OFPBAC_MATCH_INCONSISTENT',
    11: 'OFPBAC_UNSUPPORTED_ORDER', 12: 'OFPBAC_BAD_TAG', 13: 'OFPBAC_BAD_SET_TYPE',
    14: 'OFPBAC_BAD_SET_LEN', 15: 'OFPBAC_BAD_SET_ARGUMENT',
  },
  [OFPET.BAD_INSTRUCTION]: {
    0: 'OFPBIC_UNKNOWN_INST', 1: 'OFPBIC_UNSUP_INST', 2: 'OFPBIC_BAD_TABLE_ID', 3: 'OFPBIC_UNSUP_METADATA',
    4: 'OFPBIC_UNSUP_METADATA_MASK', 5: 'OFPBIC_BAD_EXPERIMENTER', 6: 'OFPBIC_BAD_EXP_TYPE', 7: 'OFPBIC_BAD_LEN',
    8: 'OFPBIC_EPERM',
  },
  [OFPET.BAD_MATCH]: {
    0: 'OFPBMC_BAD_TYPE', 1: 'OFPBMC_BAD_LEN', 2: 'OFPBMC_BAD_TAG', 3: 'OFPBMC_BAD_DL_ADDR_MASK',
    4: 'OFPBMC_BAD_NW_ADDR_MASK', 5: 'OFPBMC_BAD_WILDCARDS', 6: 'OFPBMC_BAD_FIELD', 7: 'OFPBMC_BAD_VALUE',
    8: 'OFPBMC_BAD_MASK', 9: 'OFPBMC_BAD_PREREQ', 10: 'OFPBMC_DUP_FIELD', 11: 'OFPBMC_EPERM',
  },
  [OFPET.FLOW_MOD_FAILED]: {
    0: 'OFPFMFC_UNKNOWN', 1: 'OFPFMFC_TABLE_FULL', 2: 'OFPFMFC_BAD_TABLE_ID', 3: 'OFPFMFC_OVERLAP',
    4: 'OFPFMFC_EPERM', 5: 'OFPFMFC_BAD_TIMEOUT', 6: 'OFPFMFC_BAD_COMMAND', 7: 'OFPFMFC_BAD_FLAGS',
  },
};

export function errorName(type: number, code: number): string {
  return ERROR_NAMES[type]?.[code] ?? `error type ${type} code ${code}`;
}

/** Flow-mod commands. */
export const OFPFC = { ADD: 0, MODIFY: 1, MODIFY_STRICT: 2, DELETE: 3, DELETE_STRICT: 4 } as const;
/** Flow-mod flags. */
export const OFPFF_SEND_FLOW_REM = 1 << 0;
export const OFPFF_CHECK_OVERLAP = 1 << 1;

/** Reserved ports (32-bit in 1.3). */
export const OFPP = {
  MAX: 0xffffff00,
  IN_PORT: 0xfffffff8,
  TABLE: 0xfffffff9,
  NORMAL: 0xfffffffa,
  FLOOD: 0xfffffffb,
  ALL: 0xfffffffc,
  CONTROLLER: 0xfffffffd,
  LOCAL: 0xfffffffe,
  ANY: 0xffffffff,
} as const;
export const OFPG_ANY = 0xffffffff;
export const OFPTT_ALL = 0xff;
export const OFP_NO_BUFFER = 0xffffffff;
export const OFPCML_NO_BUFFER = 0xffff;

/** Match types: only OXM exists in 1.3 (standard match OFPMT_STANDARD is deprecated). */
export const OFPMT_OXM = 1;
export const OFPXMC_OPENFLOW_BASIC = 0x8000;

/** OXM basic-class field numbers (ofp_oxm_ofb_match_fields). */
export const OFPXMT = {
  IN_PORT: 0,
  IN_PHY_PORT: 1,
  METADATA: 2,
  ETH_DST: 3,
  ETH_SRC: 4,
  ETH_TYPE: 5,
  VLAN_VID: 6,
  VLAN_PCP: 7,
  IP_DSCP: 8,
  IP_ECN: 9,
  IP_PROTO: 10,
  IPV4_SRC: 11,
  IPV4_DST: 12,
  TCP_SRC: 13,
  TCP_DST: 14,
  UDP_SRC: 15,
  UDP_DST: 16,
} as const;
/** Set in an OXM vlan_vid value when a VLAN header is present (spec 7.2.3.8). */
export const OFPVID_PRESENT = 0x1000;

/** Instruction types. */
export const OFPIT = {
  GOTO_TABLE: 1,
  WRITE_METADATA: 2,
  WRITE_ACTIONS: 3,
  APPLY_ACTIONS: 4,
  CLEAR_ACTIONS: 5,
  METER: 6,
} as const;

/** Action types. */
export const OFPAT = {
  OUTPUT: 0,
  COPY_TTL_OUT: 11,
  COPY_TTL_IN: 12,
  SET_MPLS_TTL: 15,
  DEC_MPLS_TTL: 16,
  PUSH_VLAN: 17,
  POP_VLAN: 18,
  PUSH_MPLS: 19,
  POP_MPLS: 20,
  SET_QUEUE: 21,
  GROUP: 22,
  SET_NW_TTL: 23,
  DEC_NW_TTL: 24,
  SET_FIELD: 25,
  PUSH_PBB: 26,
  POP_PBB: 27,
  EXPERIMENTER: 0xffff,
} as const;

/** Multipart types. */
export const OFPMP = {
  DESC: 0,
  FLOW: 1,
  AGGREGATE: 2,
  TABLE: 3,
  PORT_STATS: 4,
  QUEUE: 5,
  GROUP: 6,
  GROUP_DESC: 7,
  GROUP_FEATURES: 8,
  METER: 9,
  METER_CONFIG: 10,
  METER_FEATURES: 11,
  TABLE_FEATURES: 12,
  PORT_DESC: 13,
} as const;
export const OFPMPF_REQ_MORE = 1;
export const OFPMPF_REPLY_MORE = 1;

export const ETH_TYPE_IPV4 = 0x0800;
export const ETH_TYPE_ARP = 0x0806;
export const ETH_TYPE_VLAN = 0x8100;
export const IP_PROTO_ICMP = 1;
export const IP_PROTO_TCP = 6;
export const IP_PROTO_UDP = 17;

/**
 * Fixed sizes (the spec's OFP_ASSERTs). The encoders lay structs out at these sizes; the
 * parsers refuse a message or struct that is shorter (or, for a fixed struct, of any other
 * size) before reading a field of it. FLOW_STATS_REQUEST is only ever encoded.
 */
export const SIZES = {
  FEATURES_REPLY: 32,
  FLOW_MOD: 56, // header + fixed part + the match's 8-byte minimum
  FLOW_MOD_FIXED: 48,
  MULTIPART_HEADER: 16,
  FLOW_STATS_REQUEST: 40, // body only, before the match
  FLOW_STATS_FIXED: 48,
  PORT_STATS: 112,
  PORT: 64,
  PORT_STATUS: 80,
  ACTION_OUTPUT: 16,
  ACTION_HEADER_ONLY: 8, // push_vlan, pop_vlan, group: type, length, one 32-bit word
  ERROR_FIXED: 12,
  SWITCH_CONFIG: 12,
  EXPERIMENTER_HEADER: 16,
  PACKET_IN_FIXED: 32, // with the match's 8-byte minimum
  FLOW_REMOVED: 56, // with the match's 8-byte minimum
  QUEUE_GET_CONFIG_REPLY: 16,
  ROLE: 24,
  ASYNC_CONFIG: 32,
} as const;

/**
 * The messages a switch may send its controller, each with its size: `exact` for a fixed
 * struct, else the minimum before a variable tail. Any other type from a switch is a
 * protocol violation.
 */
export const FROM_SWITCH: Readonly<Record<number, { size: number; exact: boolean }>> = {
  [OFPT.HELLO]: { size: OFP_HEADER_LEN, exact: false },
  [OFPT.ERROR]: { size: SIZES.ERROR_FIXED, exact: false },
  [OFPT.ECHO_REQUEST]: { size: OFP_HEADER_LEN, exact: false },
  [OFPT.ECHO_REPLY]: { size: OFP_HEADER_LEN, exact: false },
  [OFPT.EXPERIMENTER]: { size: SIZES.EXPERIMENTER_HEADER, exact: false },
  [OFPT.FEATURES_REPLY]: { size: SIZES.FEATURES_REPLY, exact: true },
  [OFPT.GET_CONFIG_REPLY]: { size: SIZES.SWITCH_CONFIG, exact: true },
  [OFPT.PACKET_IN]: { size: SIZES.PACKET_IN_FIXED, exact: false },
  [OFPT.FLOW_REMOVED]: { size: SIZES.FLOW_REMOVED, exact: false },
  [OFPT.PORT_STATUS]: { size: SIZES.PORT_STATUS, exact: true },
  [OFPT.MULTIPART_REPLY]: { size: SIZES.MULTIPART_HEADER, exact: false },
  [OFPT.BARRIER_REPLY]: { size: OFP_HEADER_LEN, exact: true },
  [OFPT.QUEUE_GET_CONFIG_REPLY]: { size: SIZES.QUEUE_GET_CONFIG_REPLY, exact: false },
  [OFPT.ROLE_REPLY]: { size: SIZES.ROLE, exact: true },
  [OFPT.GET_ASYNC_REPLY]: { size: SIZES.ASYNC_CONFIG, exact: true },
};

/** Port-status reasons (ofp_port_reason). */
export const OFPPR = { ADD: 0, DELETE: 1, MODIFY: 2 } as const;
