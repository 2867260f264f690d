// The validation rules for what crosses a boundary (xl's argument vector, XenStore,
// a daemon's XML-RPC, a config file): domain names, bridges, MACs, paths, domids,
// router ids, Click element and handler names. Kept in this one module and imported
// by toolstack/, guests/, hostd/ and the controller, so that whatever one layer
// accepts the next one does too: a rule copied into each layer drifts apart.

/** A domain name xl accepts: 1-64 of A-Z a-z 0-9 _ . -, not starting with . or -, no ".." (names end up in paths). */
export const DOMAIN_NAME_RE = /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** A Linux interface name (IFNAMSIZ - 1 = 15 characters), not starting with . or -. */
export const BRIDGE_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;
/** Any MAC address, xx:xx:xx:xx:xx:xx. */
export const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
/** A unicast MAC (the first octet's low bit clear): what a vif needs. */
export const UNICAST_MAC_RE = /^[0-9a-f][02468ace](:[0-9a-f]{2}){5}$/i;
/** A path for xl or a hotplug script: plain characters and no ".." segment (relative or absolute). */
export const SAFE_PATH_RE = /^(?!(?:.*\/)?\.\.(?:\/|$))[A-Za-z0-9_./+-]+$/;
/** SAFE_PATH_RE, absolute: what a daemon's config and arguments name (no working directory to be relative to). */
export const ABSOLUTE_PATH_RE = new RegExp(`^(?=/)${SAFE_PATH_RE.source.slice(1)}`);

/** dom0 is 0; DOMID_FIRST_RESERVED (0x7FF0) and above are Xen's own. */
export const MAX_DOMID = 0x7ff0 - 1;
/** Routers per ClickOS guest (rid 0..MAX_ROUTERS-1). */
export const MAX_ROUTERS = 64;
export const MAX_RID = MAX_ROUTERS - 1;
/** Vifs per processing module. */
export const MAX_VIFS = 8;

/** A top-level Click element, as ClickOS addresses it (it splits element and handler at the first "/"). */
export const ELEMENT_RE = /^[A-Za-z_@][A-Za-z0-9_@]*$/;
export const HANDLER_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * mini-os's XenStore ring (XENSTORE_RING_SIZE in mini-os's xenbus/xenbus.c): a ClickOS guest
 * neither sends a request nor takes a reply larger than this, its 16-byte header included
 * (docs/clickos.md §3 "Value sizes").
 */
export const MINIOS_XS_RING_BYTES = 1024;
/** struct xsd_sockmsg: type, req_id, tx_id, len. */
export const XS_MSG_HEADER_BYTES = 16;
/** The longest value a ClickOS guest reads for a handler write: its XS_READ reply must fit the ring, or the guest never takes it. */
export const CLICKOS_MAX_WRITE_VALUE = MINIOS_XS_RING_BYTES - XS_MSG_HEADER_BYTES;
/**
 * The longest read-handler result a ClickOS guest can send: its XS_WRITE of
 * `data/clickos/0/elements/<element>/<handler>` (path and NUL, then the value) must fit the
 * ring; a longer one hits xb_write's BUG_ON and stops the guest. Ask for a bounded size first.
 */
export function clickosMaxReadReply(element: string, handler: string): number {
  return MINIOS_XS_RING_BYTES - XS_MSG_HEADER_BYTES - Buffer.byteLength(`data/clickos/0/elements/${element}/${handler}`) - 1;
}

/** A module host's id (hostd's hostId, resourced's host_id): it names the host in placement, logs and list_hosts. */
export const HOST_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
/** A URL a daemon is called back on. */
export const HTTP_URL_RE = /^https?:\/\/\S+$/;

/** Daemon and principal names (they appear in XenStore paths and audit logs). */
export const PRINCIPAL_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** Replicas of one balanced processing module (`n :: NAT() x 4`, controller/balancer/README.md): each is a PM and a slot of its MACs. */
export const MAX_REPLICAS = 32;
