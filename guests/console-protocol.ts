// What a guest prints on its console when a router starts, fails to initialise or stops:
// ClickOS reports a config it cannot initialise only there (docs: clickos-build/build/README.md
// and guests/README.md). ClickOS's minios/click.cc prints, for `status = Running` of router N:
//   [on_status:217] router id N
//   [on_status:218] status change to Running
//   [router_thread:158] Starting driver...        (or Click's errors, then)
//   [router_thread:149] Router init failed!
// and for `Halted`: "[router_stop:188] Router N stoped." (sic). The start lines carry no
// router id, so a start is read from the "router id N" line on.

export interface ConsoleProtocol {
  /** the router started (lines printed since the status write) */
  started(lines: string[], rid: number): boolean;
  /** the console lines that explain a failed start, or undefined */
  failure(lines: string[], rid: number): string[] | undefined;
  stopped(lines: string[], rid: number): boolean;
}

function afterRouterLine(lines: string[], rid: number): string[] | undefined {
  const re = new RegExp(`\\[on_status:\\d+\\] router id ${rid}\\b`);
  const i = lines.findIndex((l) => re.test(l));
  return i < 0 ? undefined : lines.slice(i + 1);
}

export const CLICKOS_CONSOLE: ConsoleProtocol = {
  started(lines, rid) {
    return afterRouterLine(lines, rid)?.some((l) => /\[router_thread:\d+\] Starting driver/.test(l)) ?? false;
  },
  failure(lines, rid) {
    const after = afterRouterLine(lines, rid);
    if (!after) return undefined;
    const end = after.findIndex((l) => /Router init failed!/.test(l));
    if (end < 0) return undefined;
    return after.slice(0, end + 1).filter((l) => l.trim() !== '' && !/^\[on_status:/.test(l));
  },
  stopped(lines, rid) {
    return lines.some((l) => new RegExp(`\\bRouter ${rid} stoped\\b`).test(l));
  },
};

/** Failure words the lab's Linux stand-in prints (lab/guest/clickos-agent.sh). */
const STANDIN_FAILURE = /initiali[sz]ation failed|configuration error|config error|syntax error|could not initiali[sz]e/i;

/** The lab's Linux stand-in: "router N: running (E elements)", "router N: halted". */
export const STANDIN_CONSOLE: ConsoleProtocol = {
  started: (lines, rid) => lines.some((l) => new RegExp(`\\brouter ${rid}: running\\b`).test(l)),
  failure(lines) {
    const bad = lines.filter((l) => STANDIN_FAILURE.test(l));
    return bad.length > 0 ? bad : undefined;
  },
  stopped: (lines, rid) => lines.some((l) => new RegExp(`\\brouter ${rid}: halted\\b`).test(l)),
};
