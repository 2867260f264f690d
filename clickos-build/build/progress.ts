// Build progress: on a terminal, a line per stage and a live status line with the elapsed
// time and the stage's last output line; nothing otherwise (scripts read --json).

export interface ProgressSink {
  stage(name: string, about: string): void;
  /** the stage printed a line */
  tick(name: string, line: string): void;
  done(name: string, outcome: 'built' | 'cached' | 'failed', detail?: string): void;
  note(text: string): void;
}

export const silent: ProgressSink = { stage() {}, tick() {}, done() {}, note() {} };

/** Writes to stream when it is a TTY; silent otherwise. */
export function ttyProgress(stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  if (!stream.isTTY) return silent;
  let started = 0;
  let lastDraw = 0;
  const width = () => Math.max(20, (stream.columns ?? 80) - 1);
  const clear = () => stream.write('\r\x1b[K');
  return {
    stage(name, about) {
      started = performance.now();
      stream.write(`${name}: ${about}\n`);
    },
    tick(name, line) {
      const now = performance.now();
      if (now - lastDraw < 200) return;
      lastDraw = now;
      clear();
      stream.write(`  ${name} ${((now - started) / 1000).toFixed(0)} s  ${line.trim()}`.slice(0, width()));
    },
    done(name, outcome, detail) {
      clear();
      stream.write(`  ${name} ${outcome}${detail ? `: ${detail}` : ''}\n`);
    },
    note(text) {
      stream.write(`${text}\n`);
    },
  };
}
