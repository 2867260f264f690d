// Downtime of moving a replica's flow states, D3.2 §2.3.3 / Figure 2.7(b): pre-copy as in
// live VM migration against ours (idle phase, then freeze-and-copy of what is left).
// States are 100 B; pre-copy rounds copy at 100 Mb/s while the old replica keeps
// working, the final stop-and-copy (and our freeze-and-copy) at 1 Gb/s. See README.md
// "Downtime" for the model and its one free parameter, the packet rate per flow.
import type { Rng } from '../placement/rng.js';
import { aliveResiduals, type FlowProcess } from './flow-process.js';

export interface CopyModel {
  stateBytes: number;
  /** bits per second while the old replica still works */
  precopyBps: number;
  /** bits per second while traffic is held */
  stopBps: number;
  /** packets per second of one flow: a flow's state is dirtied by each of its packets */
  packetRate: number;
  /** pre-copy gives up iterating after this many rounds (Xen's limit) */
  maxRounds: number;
}

export const SEED_COPY: CopyModel = { stateBytes: 100, precopyBps: 100e6, stopBps: 1e9, packetRate: 100, maxRounds: 30 };

export interface PrecopyResult {
  rounds: number;
  /** states copied during the stop-and-copy */
  finalStates: number;
  downtimeS: number;
  totalS: number;
}

/**
 * Pre-copy: round 0 copies every state; each later round copies the states dirtied
 * during the one before (flows that sent a packet, and new flows), as long as the dirty
 * set shrinks (D3.2 §2.3.1.3: stop when copying no longer outpaces dirtying); then the
 * replica stops and the last dirty set is copied.
 */
export function precopy(rng: Rng, p: FlowProcess, m: CopyModel = SEED_COPY): PrecopyResult {
  // end time of every flow the old replica has a state for, from t = 0
  let ends = Array.from(aliveResiduals(rng, p));
  let dirty = ends.length;
  let t = 0;
  let rounds = 0;
  for (;;) {
    const dt = (dirty * m.stateBytes * 8) / m.precopyBps;
    t += dt;
    rounds++;
    const touched = 1 - Math.exp(-m.packetRate * dt);
    // flows alive at the end of the round: dirty if a packet of theirs came in during it
    const alive: number[] = [];
    let next = 0;
    for (const e of ends) {
      if (e <= t) continue;
      alive.push(e);
      if (rng.next() < touched) next++;
    }
    // flows that arrived during the round and are still alive: each a new, dirty state
    for (const r of aliveResiduals(rng, p, dt)) {
      alive.push(t + r);
      next++;
    }
    ends = alive;
    if (next >= dirty || next === 0 || rounds >= m.maxRounds) {
      dirty = next;
      break;
    }
    dirty = next;
  }
  const downtimeS = (dirty * m.stateBytes * 8) / m.stopBps;
  return { rounds, finalStates: dirty, downtimeS, totalS: t + downtimeS };
}

/** Ours: an idle phase of idleS, then the states still alive frozen and copied in one batch (the longest any flow waits). */
export function flowMigration(rng: Rng, p: FlowProcess, idleS: number, m: CopyModel = SEED_COPY): { initial: number; left: number; downtimeS: number; totalS: number } {
  const residuals = aliveResiduals(rng, p);
  let left = 0;
  for (const r of residuals) if (r > idleS) left++;
  const downtimeS = (left * m.stateBytes * 8) / m.stopBps;
  return { initial: residuals.length, left, downtimeS, totalS: idleS + downtimeS };
}
