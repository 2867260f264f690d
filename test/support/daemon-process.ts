// A daemon started as its own process, as systemd would (`node MAIN --config FILE`):
// its stderr kept for assertions and echoed as TAP comments. The lab tests run
// hostd and resourced this way.
import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from './wait.js';

export class DaemonProcess {
  child?: ChildProcess;
  stderr = '';
  exited: Promise<number | null> = Promise.resolve(null);
  /** Set by killOn: the line that, once printed, kills the daemon at once. */
  private trigger?: { pattern: RegExp; signal: NodeJS.Signals; seen: (line: string) => void };

  constructor(
    private readonly label: string,
    private readonly main: string,
  ) {}

  /** Resolves with the URL once the daemon prints "listening on URL"; rejects if it exits first. */
  async start(configFile: string): Promise<string> {
    this.stderr = '';
    const child = spawn('node', [this.main, '--config', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
    child.stderr!.on('data', (b: Buffer) => {
      this.stderr += b.toString();
      process.stderr.write(b.toString().replace(/^/gm, '# '));
      const line = this.trigger && b.toString().split('\n').find((l) => this.trigger!.pattern.test(l));
      if (line !== undefined && this.trigger) {
        // Killed in the same turn the line arrives: the daemon is at the step the line names.
        child.kill(this.trigger.signal);
        this.trigger.seen(line);
        this.trigger = undefined;
      }
    });
    // Minutes: the lab's dom0 runs under emulation.
    return waitFor(`${this.label} to listen`, () => /listening on (\S+)/.exec(this.stderr)?.[1] ?? (child.exitCode !== null ? Promise.reject(new Error(`${this.label} exited ${child.exitCode}:\n${this.stderr}`)) : undefined), 300_000, 200);
  }

  /** Kills the daemon with `signal` as soon as it prints a line matching `pattern`; resolves with that line. */
  killOn(pattern: RegExp, signal: NodeJS.Signals = 'SIGKILL'): Promise<string> {
    return new Promise((seen) => (this.trigger = { pattern, signal, seen }));
  }

  /** The exit code (null when killed by the signal); at once if it is not running. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return this.child?.exitCode ?? null;
    this.child.kill(signal);
    return this.exited;
  }
}
