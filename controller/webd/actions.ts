// What the page can do, each through the daemon that owns it: install_allocation and
// delete_allocation at resourced, start/stop a router and read/write a handler at the
// guest's hostd (found by host id in resourced's list_hosts). Arguments are checked
// against those daemons' own API schemas before anything is sent, so a bad one is a
// clear error here. The read-only role may check a request and read a handler; every
// other action needs an operator. Every action, refused or not, goes to the audit log
// with the principal who asked (server.ts), as the daemons' own audit logs do.
import { callApi, s } from '../../daemon/index.js';
import { ClickSyntaxError, parseAllocation } from '../../clickos-build/index.js';
import { element, handler, handlerValue, pm, rid } from '../../hostd/api.js';
import { resourcedApi } from '../resourced/api.js';
import type { PlatformLinks } from './links.js';
import type { Role } from './sessions.js';

export interface ActionResult {
  ok: boolean;
  message: string;
  value?: unknown;
  /** check: where the parser stopped (1-based). */
  error?: { line: number; col: number; reason: string };
}

export class ActionError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const hostRef = s.str({ max: 128 });
// hostd's own argument schemas (hostd/api.ts), plus the host the guest runs on
const routerAction = s.struct({ host: hostRef, pm, rid });
const handlerRef = { host: hostRef, pm, rid, element, handler };
const handlerAction = s.struct(handlerRef);

/** Each action's argument schema and whether the read-only role may run it. */
export const ACTIONS = {
  check: { params: resourcedApi.methods.install_allocation.params, readOnly: true },
  install: { params: resourcedApi.methods.install_allocation.params, readOnly: false },
  delete: { params: resourcedApi.methods.delete_allocation.params, readOnly: false },
  start_router: { params: routerAction, readOnly: false },
  stop_router: { params: routerAction, readOnly: false },
  read_handler: { params: handlerAction, readOnly: true },
  write_handler: { params: s.struct({ ...handlerRef, value: handlerValue }), readOnly: false },
} as const;
export type ActionName = keyof typeof ACTIONS;

export const isAction = (a: unknown): a is ActionName => typeof a === 'string' && Object.prototype.hasOwnProperty.call(ACTIONS, a);

export async function runAction(links: PlatformLinks, role: Role, action: ActionName, arg: unknown): Promise<ActionResult> {
  const spec = ACTIONS[action];
  if (!spec.readOnly && role !== 'operator') throw new ActionError(403, `${action}: the read-only role may not act`);
  const bad = spec.params.check(arg, 'arg');
  if (bad !== undefined) throw new ActionError(400, `${action}: ${bad}`);
  switch (action) {
    case 'check':
      return check(links, arg as string);
    case 'install': {
      const rv = await links.resourcedTask('install_allocation', arg as string);
      return rv.code === 0 ? { ok: true, message: rv.message, value: rv.value } : { ok: false, message: rv.message };
    }
    case 'delete': {
      const rv = await links.resourcedTask('delete_allocation', arg as number);
      return { ok: rv.code === 0, message: rv.message };
    }
    default: {
      const { host, ...rest } = arg as { host: string } & Record<string, unknown>;
      const hosts = await callApi(links.resourced, resourcedApi, 'list_hosts');
      if (hosts.code !== 0) return { ok: false, message: `list_hosts: ${hosts.message}` };
      const h = hosts.value.find((x) => x.host_id === host);
      if (!h) throw new ActionError(404, `${action}: no registered host ${host}`);
      const rv = await links.hostdCall(h.host_id, h.url, action, rest as never);
      if (rv.code === -1) return { ok: false, message: `${action}: hostd answered not-ready` };
      return { ok: rv.code === 0, message: rv.message, value: rv.value };
    }
  }
}

/** The request through the parser resourced uses, with the PM types it offers: the error's line:col, or ok. */
async function check(links: PlatformLinks, text: string): Promise<ActionResult> {
  const info = await callApi(links.resourced, resourcedApi, 'get_pm_info');
  const knownModules = info.code === 0 ? info.value.types.map((t) => t.name) : undefined;
  try {
    const r = parseAllocation(text, 'allocation', knownModules ? { knownModules } : {});
    return { ok: true, message: `${r.modules.length} module(s), ${r.connections.length} connection(s)` };
  } catch (e) {
    if (e instanceof ClickSyntaxError) return { ok: false, message: e.message, error: { line: e.line, col: e.col, reason: e.reason } };
    throw e;
  }
}
