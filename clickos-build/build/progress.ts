// Step progress: a line per step on a terminal, nothing otherwise (scripts read --json).

export interface ProgressSink {
  step(index: number, total: number, name: string, about: string): void;
  done(name: string, outcome: 'ok' | 'skipped' | 'failed', detail?: string): void;
  note(text: string): void;
}

export const silent: ProgressSink = { step() {}, done() {}, note() {} };

/** Writes to stream when it is a TTY; silent otherwise. */
export function ttyProgress(stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  if (!stream.isTTY) return silent;
  let started = 0;
  return {
    step(index, total, name, about) {
      started = performance.now();
      stream.write(`[${index}/${total}] ${name}: ${about}\n`);
    },
    done(name, outcome, detail) {
      const secs = ((performance.now() - started) / 1000).toFixed(1);
      stream.write(`      ${name} ${outcome} (${secs} s)${detail ? `: ${detail}` : ''}\n`);
    },
    note(text) {
      stream.write(`${text}\n`);
    },
  };
}
