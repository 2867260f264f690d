// What a task or command module exports. A module file in <folder>/commands/<name>.mjs
// or <folder>/tasks/<name>.mjs default-exports either a definition or a function that
// receives the kit (schemas, ReturnValue helpers) and returns one, so a hot-patched
// file needs no import path into the daemon's own code.
import type { Schema } from './schema.js';
import { s } from './schema.js';
import { ok, fail, notReady, type ReturnValue } from './return-value.js';
import { Double, type XmlRpcValue } from './xmlrpc/values.js';

export type Kind = 'command' | 'task';
export type Priority = 'high' | 'normal';

export interface MethodContext<S = unknown> {
  /** The daemon's name. */
  daemon: string;
  /** Functions shared by this daemon's tasks and commands (D3.2 §3.1.1, docs/platform.md: they live with the daemon, not in each task). */
  services: S;
  /** The authenticated caller (the name its secret is configured under). */
  who: string;
  /** Set when running as a task (or part of a compound one). */
  taskId?: string;
  log(message: string): void;
}

export interface CommandDefinition<S = unknown> {
  /** Shown by system.methodHelp. */
  help: string;
  /** The single parameter's shape; missing parameter = undefined (s.nil() and s.optional() accept it). */
  params: Schema;
  /** The shape of a successful reply's value, when declared (shown by system.methodHelp). */
  result?: Schema;
  /** True for queries: not written to the audit log. */
  readOnly?: boolean;
  run(arg: XmlRpcValue | undefined, ctx: MethodContext<S>): ReturnValue | Promise<ReturnValue>;
}

export interface TaskPart {
  task: string;
  arg?: XmlRpcValue;
}

/**
 * A part a compound task's definition runs in-process instead of loading `task` from the
 * folders: `task` names the step (in the parts' results and messages) and `run` carries
 * it out. Parts share what their closures share, so a later step sees what an earlier
 * one made (an allocation placed, then its PMs created one by one).
 */
export interface StepPart {
  task: string;
  run(): ReturnValue | Promise<ReturnValue>;
}

/**
 * What a compound definition's parts() may answer besides a list: the parts, and
 * `settle`, which turns the compound's reply (ok(each part's result), or the first
 * failure with the results so far) into the task's own reply — where a failed compound
 * undoes what its earlier parts did, and a successful one answers its declared result.
 */
export interface CompoundPlan {
  parts: Array<TaskPart | StepPart>;
  settle?(rv: ReturnValue): ReturnValue | Promise<ReturnValue>;
}

export interface TaskDefinition<S = unknown> {
  help: string;
  params: Schema;
  result?: Schema;
  readOnly?: boolean;
  /** Default priority when the caller gives none. */
  priority?: Priority;
  /** A plain task: exactly one of run and parts. */
  run?(arg: XmlRpcValue | undefined, ctx: MethodContext<S>): ReturnValue | Promise<ReturnValue>;
  /** A compound task: the parts, run in order, stopping at the first failure (with a settle step: CompoundPlan). */
  parts?(arg: XmlRpcValue | undefined, ctx: MethodContext<S>): TaskPart[] | CompoundPlan | Promise<CompoundPlan>;
}

export const kit = { s, ok, fail, notReady, Double };
export type Kit = typeof kit;

export type DefinitionModule<D> = D | ((k: Kit) => D);

/** Checks a freshly imported module's default export; returns an error message or the definition. */
export function validateDefinition(kind: Kind, exported: unknown): CommandDefinition | TaskDefinition | string {
  const d = typeof exported === 'function' ? (exported as (k: Kit) => unknown)(kit) : exported;
  if (d === null || typeof d !== 'object') return 'default export must be a definition object or a function returning one';
  const o = d as Record<string, unknown>;
  if (typeof o.help !== 'string') return 'definition needs a help string';
  const p = o.params as Schema | undefined;
  if (!p || typeof p.check !== 'function' || typeof p.describe !== 'string') return 'definition needs a params schema';
  if (kind === 'command') {
    if (typeof o.run !== 'function') return 'a command needs run()';
  } else {
    if ((typeof o.run === 'function') === (typeof o.parts === 'function')) return 'a task needs exactly one of run() and parts()';
    if (o.priority !== undefined && o.priority !== 'high' && o.priority !== 'normal') return 'priority must be high or normal';
  }
  return d as CommandDefinition | TaskDefinition;
}
