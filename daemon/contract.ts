// A daemon's API as one value: its methods (kind, help, argument and result schemas)
// and the error codes its failures carry. The method files implement it, clients call
// through it, and the README's method table is generated from it, so the three cannot
// drift apart: a member renamed in the schema is a type error in every method file
// and client that uses it, and a test failure in the README.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { XmlRpcClient } from './xmlrpc/client.js';
import type { Encodable } from './xmlrpc/values.js';
import type { CommandDefinition, CompoundPlan, MethodContext, Priority, TaskDefinition } from './definition.js';
import { CODE_NOT_READY, CODE_SUCCESS, fail, failWith, isReturnValue, type Failure, type Success } from './return-value.js';
import type { Infer, Schema } from './schema.js';
import { NAME_RE } from './loader.js';

export interface MethodSpec<P extends Schema<any> = Schema<any>, R extends Schema<any> = Schema<any>> {
  kind: 'command' | 'task';
  /** One sentence for system.methodHelp (the schemas say the shapes). */
  help: string;
  params: P;
  /** A successful reply's value. */
  result: R;
  /** True for queries: kept out of the audit log. */
  readOnly?: boolean;
  /** A task's default priority. */
  priority?: Priority;
}

export const command = <P extends Schema<any>, R extends Schema<any>>(o: Omit<MethodSpec<P, R>, 'kind' | 'priority'>): MethodSpec<P, R> & { kind: 'command' } => ({ kind: 'command', ...o });
export const task = <P extends Schema<any>, R extends Schema<any>>(o: Omit<MethodSpec<P, R>, 'kind'>): MethodSpec<P, R> & { kind: 'task' } => ({ kind: 'task', ...o });

export type Methods = Record<string, MethodSpec>;

export interface Api<M extends Methods = Methods, E extends string = string> {
  daemon: string;
  methods: M;
  /** Error codes (a failure's value {error: code}) and what each means. */
  errors: Record<E, string>;
}

export function defineApi<M extends Methods, E extends string>(api: Api<M, E>): Api<M, E> {
  for (const name of Object.keys(api.methods)) if (!NAME_RE.test(name)) throw new Error(`${api.daemon}: ${name} is not a method name the loader finds`);
  return api;
}

export type ArgOf<M extends MethodSpec> = Infer<M['params']>;
export type ResultOf<M extends MethodSpec> = Infer<M['result']>;
/** What a method body answers: its declared result, or a failure. */
export type Reply<T> = Success<T & Encodable> | Failure;
/** A task not finished: its first reply carries the task id, task.status's the task's {id, name, state, priority}. */
export type Pending = { code: typeof CODE_NOT_READY; message: string; value: Encodable };

/** The method names of an API, sorted; only one kind when given. */
export function methodNames(api: Api, kind?: MethodSpec['kind']): string[] {
  return Object.entries(api.methods)
    .filter(([, m]) => kind === undefined || m.kind === kind)
    .map(([n]) => n)
    .sort();
}

/** An error a method body throws to fail with one of its API's error codes. */
export class MethodError<E extends string = string> extends Error {
  override name = 'MethodError';
  constructor(
    readonly error: E,
    message: string,
  ) {
    super(message);
  }
}

/** `<what> failed: <why>`, carrying the error code when `e` is a MethodError. */
export function failure(what: string, e: unknown): Failure {
  const why = `${what} failed: ${e instanceof Error ? e.message : String(e)}`;
  return e instanceof MethodError ? failWith(e.error, why) : fail(why);
}

/**
 * The definition the daemon's loader wants, for one method of an API: the schemas come
 * from the API, and `run` gets the argument typed as the schema the daemon has already
 * checked it against. A thrown MethodError becomes a failure carrying its code; any
 * other error a failure naming the method.
 */
export function implement<S, M extends MethodSpec>(
  name: string,
  spec: M,
  run: (arg: ArgOf<M>, ctx: MethodContext<S>) => Reply<ResultOf<M>> | Promise<Reply<ResultOf<M>>>,
): CommandDefinition<S> & TaskDefinition<S> {
  return {
    help: spec.help,
    params: spec.params,
    result: spec.result,
    ...(spec.readOnly ? { readOnly: true } : {}),
    ...(spec.priority ? { priority: spec.priority } : {}),
    run: async (arg, ctx) => {
      try {
        return await run(arg as ArgOf<M>, ctx);
      } catch (e) {
        return failure(name, e);
      }
    },
  };
}

/** implement() bound to one API and one services type: `method('create_pm', async (arg, ctx) => …)`. */
export function implementFor<S, M extends Methods>(api: Api<M, string>) {
  return <K extends keyof M & string>(name: K, run: (arg: ArgOf<M[K]>, ctx: MethodContext<S>) => Reply<ResultOf<M[K]>> | Promise<Reply<ResultOf<M[K]>>>): CommandDefinition<S> & TaskDefinition<S> =>
    implement<S, M[K]>(name, api.methods[name]!, run);
}

/**
 * A compound task (D3.2 §3.1.1, docs/platform.md) of an API: `plan` answers its parts
 * and a settle step for the argument, typed as the schema the daemon checked it against
 * (definition.ts CompoundPlan). settle's reply is the task's, so it must be the API's result.
 */
export function compoundFor<S, M extends Methods>(api: Api<M, string>) {
  return <K extends keyof M & string>(
    name: K,
    plan: (arg: ArgOf<M[K]>, ctx: MethodContext<S>) => CompoundPlan | Promise<CompoundPlan>,
  ): TaskDefinition<S> => {
    const spec = api.methods[name]!;
    if (spec.kind !== 'task') throw new Error(`${api.daemon}: ${name} is a command, not a compound task`);
    return {
      help: spec.help,
      params: spec.params,
      result: spec.result,
      ...(spec.readOnly ? { readOnly: true } : {}),
      ...(spec.priority ? { priority: spec.priority } : {}),
      parts: (arg, ctx) => plan(arg as ArgOf<M[K]>, ctx),
    };
  };
}

type ArgTuple<M extends MethodSpec> = undefined extends ArgOf<M> ? [arg?: ArgOf<M>] : [arg: ArgOf<M>];

/**
 * Calls a method of `api`. The reply must be a ReturnValue, and a success's value must
 * match the method's result schema (else a failure saying so): a client reads the
 * value with the API's types, not by guessing at members. Faults, HTTP and network
 * errors reject, as XmlRpcClient.call does.
 */
export async function callApi<M extends Methods, K extends keyof M & string>(
  client: XmlRpcClient,
  api: Api<M>,
  method: K,
  ...arg: ArgTuple<M[K]>
): Promise<Reply<ResultOf<M[K]>> | Pending> {
  const rv = await (arg[0] === undefined ? client.call(method) : client.call(method, arg[0] as Encodable));
  return checkReply(api, method, rv);
}

/** A raw reply (of the method itself or of task.status) checked against `method`'s result schema. */
export function checkReply<M extends Methods, K extends keyof M & string>(api: Api<M>, method: K, rv: unknown): Reply<ResultOf<M[K]>> | Pending {
  if (!isReturnValue(rv)) return fail(`${method}: the reply is not a ReturnValue`);
  if (rv.code === CODE_SUCCESS) {
    const bad = api.methods[method]!.result.check(rv.value, 'value');
    if (bad) return fail(`${method}: the reply does not match ${api.daemon}'s API: ${bad}`);
    return rv as Success<ResultOf<M[K]> & Encodable>;
  }
  if (rv.code === CODE_NOT_READY) return rv as Pending;
  return rv as Failure;
}

/**
 * A task's final reply: `first` is what callApi answered for `method`; while it is
 * CODE_NOT_READY (value = the task id), task.status is polled every pollMs (default 50)
 * and each reply checked against the method's result schema. Rejects if the task has not
 * settled after timeoutMs (default: waits as long as it takes), or as XmlRpcClient.call
 * does (fault, HTTP, network).
 */
export async function settleTask<M extends Methods, K extends keyof M & string>(
  client: XmlRpcClient,
  api: Api<M>,
  method: K,
  first: Reply<ResultOf<M[K]>> | Pending,
  o: { pollMs?: number; timeoutMs?: number } = {},
): Promise<Reply<ResultOf<M[K]>>> {
  if (first.code !== CODE_NOT_READY) return first;
  const id = first.value;
  if (typeof id !== 'string') return fail(`${method}: a not-ready reply without a task id`);
  const end = Date.now() + (o.timeoutMs ?? Infinity);
  let rv: Reply<ResultOf<M[K]>> | Pending = first;
  while (rv.code === CODE_NOT_READY) {
    if (Date.now() > end) throw new Error(`${method}: task ${id} not finished after ${(o.timeoutMs ?? 0) / 1000} s`);
    await new Promise((r) => setTimeout(r, o.pollMs ?? 50));
    rv = checkReply(api, method, await client.call('task.status', id));
  }
  return rv;
}

const cell = (outline: string): string => (/^[[{"]/.test(outline) ? `\`${outline.replace(/\|/g, '\\|')}\`` : outline.replace(/\|/g, '\\|'));

/** The README's method table and error-code table, generated from the API. */
export function apiTables(api: Api): string {
  const rows = Object.entries(api.methods).map(([name, m]) => {
    const kind = m.kind === 'task' ? `task (${m.priority ?? 'normal'})` : 'command';
    const arg = m.params.outline === 'nil' ? '—' : 'optional' in m.params ? `${cell(m.params.outline)} or —` : cell(m.params.outline);
    return `| \`${name}\` | ${kind} | ${arg} | ${cell(m.result.outline)} |`;
  });
  const errors = Object.entries(api.errors).map(([code, what]) => `| \`${code}\` | ${what} |`);
  const table = ['| method | kind | argument | value |', '|---|---|---|---|', ...rows];
  if (errors.length === 0) return table.join('\n');
  return [...table, '', 'Error codes (a failure\'s `value` is `{error: code, …}`):', '', '| error | meaning |', '|---|---|', ...errors].join('\n');
}

export const TABLE_BEGIN = '<!-- api table: generated from the API module, checked by test/unit/daemon-contract.test.ts -->';
export const TABLE_END = '<!-- end of api table -->';

/**
 * A README's text with the generated tables between the markers replaced by `tables`;
 * the first markers after the text `section` (a heading) when one README documents
 * several daemons.
 */
export function withTables(readme: string, tables: string, section?: string): string {
  const from = section === undefined ? 0 : readme.indexOf(section);
  if (from < 0) throw new Error(`the README has no section ${JSON.stringify(section)}`);
  const a = readme.indexOf(TABLE_BEGIN, from);
  const b = readme.indexOf(TABLE_END, a);
  if (a < 0 || b < a) throw new Error('the README has no api table markers');
  return `${readme.slice(0, a + TABLE_BEGIN.length)}\n${tables}\n${readme.slice(b)}`;
}

export type { Infer } from './schema.js';

/**
 * The folder holding a daemon's compiled commands/ and tasks/ (.js): the module's own
 * when it runs from dist/<dir>; from the source tree (tests run the .ts), dist/<dir>
 * beside it, since the loader imports only .mjs/.js files. `probe` is one method name.
 */
export function shippedFolder(moduleUrl: string, dir: string, probe: string): string {
  const here = dirname(fileURLToPath(moduleUrl));
  const has = (d: string): boolean => existsSync(join(d, 'commands', `${probe}.js`)) || existsSync(join(d, 'tasks', `${probe}.js`));
  if (has(here)) return here;
  const built = join(resolve(here, ...dir.split('/').map(() => '..')), 'dist', dir);
  if (has(built)) return built;
  throw new Error(`the compiled methods of ${dir} are not in ${here} nor ${built}: run \`npx tsc -p tsconfig.json\` first`);
}
