// A daemon's entry point as a process (as systemd runs it): stopping on a signal,
// and a fatal error's exit. hostd's and resourced's main.ts share these; the
// config step is daemon/config-file.ts.

/** Calls `stop` on the first SIGTERM or SIGINT; a signal while it runs is ignored (stop ends with process.exit). */
export function stopOnSignals(stop: (signal: NodeJS.Signals) => Promise<void>): void {
  let stopping = false;
  const on = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    void stop(signal);
  };
  process.on('SIGTERM', () => on('SIGTERM'));
  process.on('SIGINT', () => on('SIGINT'));
}

/** Runs `main`; whatever it throws without handling is fatal: logged with its stack, exit 1. */
export function runMain(main: () => Promise<void>, log: (m: string) => void): void {
  main().catch((e: unknown) => {
    log(`fatal: ${(e as Error).stack ?? String(e)}`);
    process.exit(1);
  });
}
