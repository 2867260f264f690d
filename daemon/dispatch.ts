// From a decoded call to its reply: the built-in methods (system.*, task.*, upgrade),
// then commands and tasks looked up in the folders at call time. Arguments are checked
// against the method's schema before anything runs; state-changing calls are audited.
//
// Call conventions (D3.2 gives every task/command a single parameter):
//   <command>(arg?)            -> ReturnValue
//   <task>(arg?, priority?)    -> ReturnValue NOT_READY, value = task id
//   task.status(id)            -> NOT_READY while queued/running, then the task's ReturnValue
//   task.list()                -> ReturnValue, value = [{id, name, state, priority, who}]
//   task.compound(parts, priority?) parts = [{task, arg?}] -> like a task
//   upgrade({files}, priority?) -> like a task (high priority by default)
//   system.listMethods / methodHelp / multicall -> plain values (standard introspection)
import { Fault, FaultCode } from './xmlrpc/fault.js';
import { encodeValue, type Encodable, type XmlRpcValue } from './xmlrpc/values.js';
import { ok, fail, notReady, isReturnValue, type ReturnValue } from './return-value.js';
import { s, type Schema } from './schema.js';
import { LoadError, NAME_RE, type MethodLoader } from './loader.js';
import { QueueFullError, type TaskQueue, type TaskRecord } from './task-queue.js';
import { summarize, type AuditLog } from './audit.js';
import { upgrade, upgradeParams, type UpgradeFile } from './upgrade.js';
import type { MethodContext, Priority, StepPart, TaskDefinition, TaskPart } from './definition.js';

export interface Caller {
  who: string;
  peer?: string;
}

export interface DispatcherOptions<S> {
  name: string;
  loader: MethodLoader;
  tasks: TaskQueue;
  audit: AuditLog;
  services: S;
  /** Principals allowed to call upgrade; undefined = every authenticated caller; [] = nobody. */
  upgraders?: string[];
  log: (msg: string) => void;
}

interface Builtin {
  help: string;
  params: Schema[]; // positional; trailing optional ones wrapped in s.optional
  audited: boolean;
  run(params: XmlRpcValue[], caller: Caller): Promise<Encodable>;
}

const MAX_COMPOUND_DEPTH = 8;
const MAX_MULTICALL = 1000;
const priorityParam = s.optional(s.oneOf('high', 'normal'));
const partSchema = s.array(s.struct({ task: s.str({ max: 64 }), arg: s.optional(s.any()) }), { min: 1, max: 256 });

function invalidParams(msg: string): Fault {
  return new Fault(FaultCode.INVALID_PARAMS, msg);
}

function checkPositional(method: string, schemas: Schema[], params: XmlRpcValue[]): void {
  if (params.length > schemas.length) throw invalidParams(`${method} takes at most ${schemas.length} parameter(s), got ${params.length}`);
  schemas.forEach((sc, i) => {
    const e = sc.check(params[i], `param ${i + 1}`);
    if (e) throw invalidParams(`${method}: ${e}`);
  });
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A ReturnValue whose value the wire can carry; otherwise a failure saying why. */
function deliverable(rv: unknown, what: string): ReturnValue {
  if (!isReturnValue(rv)) return fail(`${what} returned no ReturnValue`);
  try {
    encodeValue(rv.value);
    return rv;
  } catch (e) {
    return fail(`${what} returned a value XML-RPC cannot carry: ${errorMessage(e)}`);
  }
}

export class Dispatcher<S = unknown> {
  private readonly builtins = new Map<string, Builtin>();

  constructor(private readonly o: DispatcherOptions<S>) {
    this.builtins.set('system.listMethods', {
      help: 'The names of every method of this daemon.',
      params: [],
      audited: false,
      run: async () => this.listMethods(),
    });
    this.builtins.set('system.methodHelp', {
      help: 'Help text of a method, with its parameter types.',
      params: [s.str({ max: 128 })],
      audited: false,
      run: async ([name]) => this.methodHelp(name as string),
    });
    this.builtins.set('system.multicall', {
      help: 'Runs [{methodName, params}] in order; each result is [value] or {faultCode, faultString}.',
      params: [s.array(s.struct({ methodName: s.str({ max: 128 }), params: s.array(s.any()) }), { max: MAX_MULTICALL })],
      audited: false, // each inner call is audited on its own
      run: async ([calls], caller) => this.multicall(calls as Array<{ methodName: string; params: XmlRpcValue[] }>, caller),
    });
    this.builtins.set('task.status', {
      help: 'ReturnValue of a task: code -1 (value {id, name, state, priority}) while queued or running, then its result.',
      params: [s.str({ max: 64 })],
      audited: false,
      run: async ([id]) => this.o.tasks.status(id as string),
    });
    this.builtins.set('task.list', {
      help: 'The tasks this daemon knows: [{id, name, state, priority, who}].',
      params: [],
      audited: false,
      run: async () => ok(this.o.tasks.list().map((t) => ({ id: t.id, name: t.name, state: t.state, priority: t.priority, who: t.who }))),
    });
    this.builtins.set('task.compound', {
      help: 'A compound task: parts [{task, arg?}] run in order, stopping at the first failure; value = each part\'s {task, code, message, value}.',
      params: [partSchema, priorityParam],
      audited: true,
      run: async ([parts, prio], caller) => this.submitCompound(parts as unknown as TaskPart[], (prio as Priority | undefined) ?? 'normal', caller),
    });
    this.builtins.set('upgrade', {
      help: 'Task: installs task/command files {files: [{kind: "command"|"task", name, source: base64 JS module, scope?: "daemon"|"common"}]} and reloads them.',
      params: [upgradeParams, priorityParam],
      audited: true,
      run: async ([arg, prio], caller) => this.submitUpgrade(arg as unknown as { files: UpgradeFile[] }, (prio as Priority | undefined) ?? 'high', caller),
    });
  }

  /** Runs one call; throws Fault for protocol-level refusals. */
  async call(methodName: string, params: XmlRpcValue[], caller: Caller): Promise<Encodable> {
    const b = this.builtins.get(methodName);
    if (b) {
      return this.audited(b.audited, methodName, params, caller, () => {
        checkPositional(methodName, b.params, params);
        return b.run(params, caller);
      });
    }
    if (!NAME_RE.test(methodName)) throw new Fault(FaultCode.METHOD_NOT_FOUND, `no method ${methodName}`);
    const cmd = await this.load(() => this.o.loader.command(methodName));
    if (cmd) {
      return this.audited(!cmd.def.readOnly, methodName, params, caller, async () => {
        checkPositional(methodName, [cmd.def.params], params);
        try {
          return deliverable(await cmd.def.run(params[0], this.ctx(caller)), `command ${methodName}`);
        } catch (e) {
          return fail(`command ${methodName} failed: ${errorMessage(e)}`);
        }
      });
    }
    const task = await this.load(() => this.o.loader.task(methodName));
    if (task) {
      return this.audited(!task.def.readOnly, methodName, params, caller, async () => {
        checkPositional(methodName, [task.def.params, priorityParam], params);
        const prio = (params[1] as Priority | undefined) ?? task.def.priority ?? 'normal';
        return this.submit(methodName, prio, caller, (t) => this.runTask(methodName, task.def, params[0], t, 0));
      });
    }
    throw new Fault(FaultCode.METHOD_NOT_FOUND, `no method ${methodName}`);
  }

  private async load<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof LoadError) throw new Fault(FaultCode.INTERNAL_ERROR, e.message);
      throw e;
    }
  }

  private ctx(caller: Caller, taskId?: string): MethodContext<S> {
    const base = { daemon: this.o.name, services: this.o.services, who: caller.who, log: (m: string) => this.o.log(`${this.o.name}: ${m}`) };
    return taskId === undefined ? base : { ...base, taskId };
  }

  private async audited(on: boolean, method: string, params: XmlRpcValue[], caller: Caller, f: () => Promise<Encodable>): Promise<Encodable> {
    // Refused calls are audited too (code "fault <n>"): an attempt is worth a line.
    if (!on) return f();
    let result: Encodable;
    try {
      result = await f();
    } catch (e) {
      this.o.audit.write({ peer: caller.peer, who: caller.who, method, args: summarize(params), code: e instanceof Fault ? `fault ${e.faultCode}` : 'error', message: errorMessage(e) });
      throw e;
    }
    const rv = isReturnValue(result) ? result : undefined;
    this.o.audit.write({
      peer: caller.peer,
      who: caller.who,
      method,
      args: summarize(params),
      code: rv ? rv.code : 'value',
      message: rv?.message,
      task: rv && rv.code === -1 && typeof rv.value === 'string' ? rv.value : undefined,
    });
    return result;
  }

  private submit(name: string, priority: Priority, caller: Caller, job: (t: TaskRecord) => Promise<ReturnValue>): ReturnValue {
    try {
      const t = this.o.tasks.submit(name, priority, caller.who, job);
      return notReady(`task ${name} queued (${priority})`, t.id);
    } catch (e) {
      if (e instanceof QueueFullError) return fail(e.message);
      throw e;
    }
  }

  private async runTask(name: string, def: TaskDefinition<unknown>, arg: XmlRpcValue | undefined, t: TaskRecord, depth: number): Promise<ReturnValue> {
    const ctx = this.ctx({ who: t.who }, t.id);
    try {
      if (def.parts) {
        if (depth >= MAX_COMPOUND_DEPTH) return fail(`compound tasks nested deeper than ${MAX_COMPOUND_DEPTH}`);
        const plan = await def.parts(arg, ctx as MethodContext<unknown>);
        if (Array.isArray(plan)) return await this.runParts(plan, t, depth + 1);
        const rv = await this.runParts(plan.parts, t, depth + 1);
        return plan.settle ? deliverable(await plan.settle(rv), `task ${name}`) : rv;
      }
      return deliverable(await def.run!(arg, ctx as MethodContext<unknown>), `task ${name}`);
    } catch (e) {
      return fail(`task ${name} failed: ${errorMessage(e)}`);
    }
  }

  /** Parts in order (FIFO, D3.2 §3.1.1, docs/platform.md); the first part that does not succeed stops the rest. */
  private async runParts(parts: Array<TaskPart | StepPart>, t: TaskRecord, depth: number): Promise<ReturnValue> {
    const done: Array<{ task: string; code: number; message: string; value: Encodable }> = [];
    for (const [i, part] of parts.entries()) {
      const where = `part ${i + 1}/${parts.length} (${part.task})`;
      let rv: ReturnValue;
      try {
        const loaded = 'run' in part ? undefined : await this.o.loader.task(part.task);
        if ('run' in part) rv = deliverable(await part.run(), where);
        else if (!loaded) rv = fail(`no task ${part.task}`);
        else {
          const e = loaded.def.params.check(part.arg, 'arg');
          rv = e ? fail(`invalid argument: ${e}`) : await this.runTask(part.task, loaded.def, (part as TaskPart).arg, t, depth);
        }
      } catch (e) {
        rv = fail(errorMessage(e));
      }
      done.push({ task: part.task, code: rv.code, message: rv.message, value: rv.value });
      if (rv.code !== 0) return fail(`${where} failed: ${rv.message}`, done);
    }
    return ok(done, `${parts.length} part(s) succeeded`);
  }

  private async submitCompound(parts: TaskPart[], prio: Priority, caller: Caller): Promise<ReturnValue> {
    // Refuse at once what cannot run (typos, bad arguments); the parts are looked up again when they run.
    for (const [i, p] of parts.entries()) {
      const loaded = await this.load(() => this.o.loader.task(p.task));
      if (!loaded) throw invalidParams(`task.compound: part ${i + 1}: no task ${p.task}`);
      const e = loaded.def.params.check(p.arg, `part ${i + 1} arg`);
      if (e) throw invalidParams(`task.compound: ${e}`);
    }
    return this.submit('task.compound', prio, caller, (t) => this.runParts(parts, t, 1));
  }

  private async submitUpgrade(arg: { files: UpgradeFile[] }, prio: Priority, caller: Caller): Promise<ReturnValue> {
    if (this.o.upgraders && !this.o.upgraders.includes(caller.who)) throw new Fault(FaultCode.FORBIDDEN, `${caller.who} may not upgrade this daemon`);
    return this.submit('upgrade', prio, caller, async () => upgrade(this.o.loader, arg.files));
  }

  private async listMethods(): Promise<string[]> {
    const [cmds, tasks] = await Promise.all([this.o.loader.list('command'), this.o.loader.list('task')]);
    return [...new Set([...this.builtins.keys(), ...cmds, ...tasks])].sort();
  }

  private async methodHelp(name: string): Promise<string> {
    const b = this.builtins.get(name);
    if (b) return `${b.help}\nparams: (${b.params.map((p) => p.describe).join(', ')})`;
    const cmd = await this.load(() => this.o.loader.command(name));
    if (cmd) return `command: ${cmd.def.help}\nparams: (${cmd.def.params.describe})\nreturns: ReturnValue {code, message, value${cmd.def.result ? `: ${cmd.def.result.describe}` : ''}}`;
    const task = await this.load(() => this.o.loader.task(name));
    if (task)
      return `task${task.def.parts ? ' (compound)' : ''}: ${task.def.help}\nparams: (${task.def.params.describe}, priority?: "high"|"normal", default ${task.def.priority ?? 'normal'})\nreturns: ReturnValue code -1, value = task id; poll task.status(id)${task.def.result ? ` for value: ${task.def.result.describe}` : ''}`;
    throw new Fault(FaultCode.METHOD_NOT_FOUND, `no method ${name}`);
  }

  private async multicall(calls: Array<{ methodName: string; params: XmlRpcValue[] }>, caller: Caller): Promise<Encodable[]> {
    const out: Encodable[] = [];
    for (const c of calls) {
      try {
        if (c.methodName === 'system.multicall') throw new Fault(FaultCode.INVALID_PARAMS, 'system.multicall cannot be nested');
        out.push([await this.call(c.methodName, c.params, caller)]);
      } catch (e) {
        const f = e instanceof Fault ? e : new Fault(FaultCode.INTERNAL_ERROR, errorMessage(e));
        out.push({ faultCode: f.faultCode, faultString: f.faultString });
      }
    }
    return out;
  }
}
