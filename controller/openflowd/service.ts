// What openflowd's command files call (ctx.services): the API's arguments turned into
// Openflowd calls, answered as ReturnValues, every failure with one of the API's error
// codes (api.ts), so a remote caller can tell a bad request from a refusing or absent
// switch.
import { ClickSyntaxError } from '../../clickos-build/errors.js';
import { parseAllocation } from '../../clickos-build/allocation.js';
import { failWith, ok, type Encodable, type Failure, type Success } from '../../daemon/index.js';
import { OpenFlowBaseError } from '../openflow/errors.js';
import type { FlowCounters, OpenflowdError, PortCounters } from './api.js';
import { cookieText, flowCountersOf, portCountersOf } from './counters.js';
import { FlowInstallError } from './driver.js';
import { FlowPlanError, type VifPort } from './flows.js';
import { OfctlError } from './ofctl-driver.js';
import { MatchSyntaxError, parseFlowText } from './ofctl-syntax.js';
import { Openflowd } from './openflowd.js';
import type { SamplingOn, SamplingState } from './sflow-export.js';
import { SflowInputError } from '../sflow/sflow.js';

/** Cookie 0 is every flow nobody tagged; all ones is reserved by OpenFlow. */
const MAX_COOKIE = (1n << 64n) - 2n;

/**
 * A failure with one of the API's codes, thrown and caught in this module only: the
 * method files get a ReturnValue, not a MethodError, whose class they may hold in
 * another copy (the unit tests load this file from source, the methods from dist/).
 */
class Refusal extends Error {
  constructor(
    readonly error: OpenflowdError,
    message: string,
  ) {
    super(message);
  }
}

export function parseCookie(text: string): bigint {
  const c = BigInt(text);
  if (c < 1n || c > MAX_COOKIE) throw new Refusal('bad_cookie', `cookie ${text} is not 1..0x${MAX_COOKIE.toString(16)}`);
  return c;
}

/** The API's error code for what a driver or the planner threw; anything else is a bug and is thrown on. */
function refusal(e: unknown): Failure {
  if (e instanceof Refusal) return failWith(e.error, e.message);
  const code: OpenflowdError | undefined =
    e instanceof FlowPlanError || e instanceof ClickSyntaxError || e instanceof SflowInputError ? 'plan_refused'
    : e instanceof FlowInstallError ? 'switch_refused'
    : e instanceof OfctlError || e instanceof OpenFlowBaseError ? 'switch_unreachable'
    : undefined;
  if (code) return failWith(code, (e as Error).message);
  throw e;
}

async function answer<T extends Encodable>(f: () => Promise<T>, message?: (v: T) => string): Promise<Success<T> | Failure> {
  try {
    const v = await f();
    return ok(v, message?.(v));
  } catch (e) {
    return refusal(e);
  }
}

export class OpenflowdService {
  /** `switchName`: what create_connections' switch_name must say (config switch.name). */
  constructor(
    readonly openflowd: Openflowd,
    readonly switchName: string,
  ) {}

  /** A failure for a switch_name other than ours. */
  wrongSwitch(name: string): Failure | undefined {
    return name === this.switchName ? undefined : failWith('wrong_switch', `this openflowd drives switch '${this.switchName}', not '${name}'`, { switch: this.switchName });
  }

  /** A failure for a request that does not parse. */
  badRequest(text: string): Failure | undefined {
    try {
      parseAllocation(text, 'allocation');
      return undefined;
    } catch (e) {
      return refusal(e);
    }
  }

  /** Parses and plans before touching the switch; installs all or none; the number of flows. */
  install(cookie: string, text: string, modulePorts: Record<string, VifPort[]>, table?: number): Promise<Success<number> | Failure> {
    return answer(
      async () => {
        const id = parseCookie(cookie);
        const request = parseAllocation(text, 'allocation');
        // A table of the caller's own (create_connections): the same planner, that table.
        const o = table === undefined ? this.openflowd : new Openflowd(this.openflowd.driver, { ...this.openflowd.options, table });
        return (await o.install({ id, request, modulePorts })).length;
      },
      (n) => `${n} flow(s) installed under cookie ${cookie}${table === undefined ? '' : ` in table ${table}`}`,
    );
  }

  /** Flows made by the caller (add_flows), parsed before the switch is touched, installed all or none. */
  addFlows(cookie: string, lines: string[]): Promise<Success<number> | Failure> {
    return answer(
      async () => {
        const id = parseCookie(cookie);
        const flows = lines.map((l, i) => {
          try {
            return parseFlowText(l);
          } catch (e) {
            if (e instanceof MatchSyntaxError) throw new FlowPlanError(`flow ${i + 1}: ${e.message}`);
            throw e;
          }
        });
        await this.openflowd.driver.addFlows(id, flows);
        return flows.length;
      },
      (n) => `${n} flow(s) installed under cookie ${cookie}`,
    );
  }

  remove(cookie: string): Promise<Success<null> | Failure> {
    return answer(async () => {
      await this.openflowd.remove(parseCookie(cookie));
      return null;
    }, () => `flows of cookie ${cookie} removed`);
  }

  ports(): Promise<Success<Array<{ port: number | 'LOCAL'; name: string }>> | Failure> {
    return answer(async () => (await this.openflowd.driver.ports()).map((p) => ({ port: p.port, name: p.name })));
  }

  flows(cookie?: string): Promise<Success<FlowCounters[]> | Failure> {
    return answer(async () => {
      const only = cookie === undefined ? undefined : parseCookie(cookie);
      return (await this.openflowd.driver.dumpFlows()).filter((f) => only === undefined || f.cookie === only).map(flowCountersOf);
    });
  }

  portStats(): Promise<Success<PortCounters[]> | Failure> {
    return answer(async () => (await this.openflowd.driver.portStats()).map(portCountersOf));
  }

  /** set_sampling: the bridge's sFlow export on (toward `collector`) or off; refused where no ovs-vsctl can reach the bridge. */
  sampling(arg: { collector?: string; rate?: number; header?: number; agent?: string }): Promise<Success<SamplingState & Record<string, Encodable>> | Failure> {
    return answer(
      async () => {
        const sflow = this.openflowd.driver.sflow;
        if (!sflow) throw new Refusal('no_sampling', 'set_sampling: this switch driver cannot configure sFlow (the native driver speaks OpenFlow only: give config switch.vsctl.bridge for ovs-vsctl on this machine; an ofctl/ssh target that is no bridge name: give switch.vsctl.bridge)');
        if (arg.collector === undefined && (arg.rate !== undefined || arg.header !== undefined || arg.agent !== undefined)) throw new Refusal('plan_refused', 'set_sampling: rate, header and agent go with a collector (without one, sampling is turned off)');
        const on: SamplingOn | null = arg.collector === undefined ? null : { collector: arg.collector, rate: arg.rate ?? 100, ...(arg.header !== undefined ? { header: arg.header } : {}), ...(arg.agent !== undefined ? { agent: arg.agent } : {}) };
        return (await sflow.set(on)) as SamplingState & Record<string, Encodable>;
      },
      (v) => (v.enabled ? `bridge ${v.bridge} samples 1 in ${v.rate} toward ${v.collector}` : `bridge ${v.bridge} exports no sFlow`),
    );
  }

  cookies(): Promise<Success<string[]> | Failure> {
    return answer(async () => [...new Set((await this.openflowd.driver.dumpFlows()).map((f) => cookieText(f.cookie)))]);
  }
}
