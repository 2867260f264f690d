// One balanced group: a module's replicas behind one cookie, its current assignment
// and rules, its traffic estimate and its trigger (README.md "A group"). What a daemon
// calls at the end of each sampling window and when a replica comes or goes; the
// change it returns (flows to add or overwrite, flows to remove) is what openflowd
// installs under the group's cookie. Every change is an incremental rebalance, so only
// moved prefixes change rules.
import type { Flow } from '../openflow/model.js';
import { balance, imbalanceUnder, type Assignment, type Server } from './balance.js';
import { BalancerInputError } from './errors.js';
import { TrafficEstimator, type EstimatorOptions } from './estimator.js';
import { moves, type Move } from './leaves.js';
import { balancerFlows, diffFlows, type GroupPorts } from './rules.js';
import { RebalanceTrigger, type TriggerOptions, type Verdict } from './trigger.js';

export interface GroupOptions {
  cookie: bigint;
  servers: Server[];
  ports: GroupPorts;
  /** default 1.1 (D3.2 §2.2.5) */
  maxImbalance?: number;
  chunkThreshold?: number;
  estimator?: EstimatorOptions;
  trigger?: Omit<TriggerOptions, 'maxImbalance'>;
}

export interface Change {
  add: Flow[];
  remove: Flow[];
  moved: Move[];
}

export class BalancedGroup {
  readonly cookie: bigint;
  readonly estimator: TrafficEstimator;
  readonly trigger: RebalanceTrigger;
  assignment: Assignment;
  flows: Flow[];
  private servers: Server[];
  private readonly ports: GroupPorts;
  private readonly chunkThreshold: number | undefined;

  constructor(o: GroupOptions) {
    this.cookie = o.cookie;
    this.servers = [...o.servers];
    this.ports = { ...o.ports, replicas: { ...o.ports.replicas } };
    this.chunkThreshold = o.chunkThreshold;
    this.estimator = new TrafficEstimator(o.estimator);
    this.trigger = new RebalanceTrigger({ ...o.trigger, maxImbalance: o.maxImbalance ?? 1.1 });
    this.assignment = this.run(undefined);
    this.flows = balancerFlows(this.assignment, this.ports);
  }

  /** End of a sampling window: closes the estimator's window; rebalances if the trigger says so. */
  tick(nowMs: number): { verdict: Verdict; imbalance: number; change?: Change } {
    const traffic = this.estimator.endWindow();
    const imbalance = imbalanceUnder(this.assignment, traffic);
    const verdict = this.trigger.observe(imbalance, nowMs);
    return verdict === 'rebalance' ? { verdict, imbalance, change: this.rebalance(nowMs) } : { verdict, imbalance };
  }

  addReplica(server: Server, ports: number[], nowMs: number): Change {
    if (this.servers.some((s) => s.name === server.name)) throw new BalancerInputError(`replica '${server.name}' is already in the group`);
    this.servers.push(server);
    this.ports.replicas[server.name] = ports;
    return this.rebalance(nowMs);
  }

  removeReplica(name: string, nowMs: number): Change {
    if (!this.servers.some((s) => s.name === name)) throw new BalancerInputError(`replica '${name}' is not in the group`);
    if (this.servers.length === 1) throw new BalancerInputError(`'${name}' is the group's last replica`);
    this.servers = this.servers.filter((s) => s.name !== name);
    const change = this.rebalance(nowMs);
    delete this.ports.replicas[name];
    return change;
  }

  private run(previous: Assignment | undefined): Assignment {
    return balance(this.servers, this.estimator.estimate(), {
      maxImbalance: this.trigger.targetImbalance,
      ...(this.chunkThreshold !== undefined ? { chunkThreshold: this.chunkThreshold } : {}),
      ...(previous ? { previous } : {}),
    });
  }

  private rebalance(nowMs: number): Change {
    const before = this.assignment;
    this.assignment = this.run(before);
    const flows = balancerFlows(this.assignment, this.ports);
    const { add, remove } = diffFlows(this.flows, flows);
    this.flows = flows;
    this.trigger.ran(nowMs);
    return { add, remove, moved: moves(before.leaves, this.assignment.leaves) };
  }
}
