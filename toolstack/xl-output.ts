// Parsers for what xl prints (formats recorded from xl 4.17 in the lab:
// test/fixtures/xl/). Kept apart from the driver so they are unit-testable.

export interface DomainState {
  running: boolean;
  blocked: boolean;
  paused: boolean;
  shutdown: boolean;
  crashed: boolean;
  dying: boolean;
}

export interface Domain {
  name: string;
  domid: number;
  memoryMiB: number;
  vcpus: number;
  /** xl's six-letter state, e.g. "r-----" or "--p---". */
  stateText: string;
  state: DomainState;
  cpuSeconds: number;
  uuid?: string;
  type?: string;
  /** libxl's domain config from `xl list -l` (c_info, b_info, nics, ...). */
  config?: Record<string, unknown>;
}

export interface HostInfo {
  xenMajor: number;
  xenMinor: number;
  xenVersion: string;
  nrCpus: number;
  totalMemoryMiB: number;
  freeMemoryMiB: number;
  /** Every "key : value" line as printed. */
  raw: Record<string, string>;
}

export interface Uptime {
  name: string;
  domid: number;
  seconds: number;
}

export interface NetworkDevice {
  devid: number;
  backendDomid: number;
  mac: string;
  handle: number;
  /** XenbusState of the frontend: 4 = Connected. */
  state: number;
  eventChannel: number;
  txRingRef: number;
  rxRingRef: number;
  backendPath: string;
}

export function parseState(s: string): DomainState {
  return { running: s[0] === 'r', blocked: s[1] === 'b', paused: s[2] === 'p', shutdown: s[3] === 's', crashed: s[4] === 'c', dying: s[5] === 'd' };
}

/** `xl list`: the name is everything before the last five columns. */
export function parseList(out: string): Domain[] {
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  if (!lines[0]?.startsWith('Name')) throw new SyntaxError(`unexpected xl list output: ${lines[0] ?? '(empty)'}`);
  return lines.slice(1).map((l) => {
    const f = l.trim().split(/\s+/);
    if (f.length < 6) throw new SyntaxError(`unexpected xl list line: ${l}`);
    const [id, mem, vcpus, state, time] = f.slice(-5);
    return {
      name: f.slice(0, -5).join(' '),
      domid: Number(id),
      memoryMiB: Number(mem),
      vcpus: Number(vcpus),
      stateText: state!,
      state: parseState(state!),
      cpuSeconds: Number(time),
    };
  });
}

/** `xl list -l`: a JSON array of { domid, config }. Throws SyntaxError if it is not JSON. */
export function parseListLong(out: string): { domid: number; uuid?: string; type?: string; config: Record<string, unknown> }[] {
  const data = JSON.parse(out) as { domid: number; config: { c_info?: { uuid?: string; type?: string } } & Record<string, unknown> }[];
  if (!Array.isArray(data)) throw new SyntaxError('xl list -l did not print a JSON array');
  return data.map((d) => ({ domid: d.domid, uuid: d.config.c_info?.uuid, type: d.config.c_info?.type, config: d.config }));
}

export function parseInfo(out: string): HostInfo {
  const raw: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const m = /^(\w+)\s*:\s?(.*)$/.exec(line);
    if (m) raw[m[1]!] = m[2]!.trim();
  }
  if (raw.xen_major === undefined) throw new SyntaxError('xl info printed no xen_major');
  return {
    xenMajor: Number(raw.xen_major),
    xenMinor: Number(raw.xen_minor),
    xenVersion: `${raw.xen_major}.${raw.xen_minor}${raw.xen_extra ?? ''}`,
    nrCpus: Number(raw.nr_cpus),
    totalMemoryMiB: Number(raw.total_memory),
    freeMemoryMiB: Number(raw.free_memory),
    raw,
  };
}

/** The non-empty lines of an xl table, without its header line. */
function tableRows(out: string): string[] {
  return out
    .split('\n')
    .slice(1)
    .filter((l) => l.trim() !== '');
}

/** `xl uptime`: "[N day(s), ]H:MM:SS". */
export function parseUptime(out: string): Uptime[] {
  return tableRows(out).map((l) => {
    const m = /^(.*?)\s+(\d+)\s+(?:(\d+) days?,\s*)?(\d+):(\d\d):(\d\d)\s*$/.exec(l.trim());
    if (!m) throw new SyntaxError(`unexpected xl uptime line: ${l}`);
    const [, name, id, days, h, min, s] = m;
    return { name: name!, domid: Number(id), seconds: Number(days ?? 0) * 86400 + Number(h) * 3600 + Number(min) * 60 + Number(s) };
  });
}

export function parseNetworkList(out: string): NetworkDevice[] {
  return tableRows(out).map((l) => {
    const f = l.trim().split(/\s+/);
    if (f.length < 8) throw new SyntaxError(`unexpected xl network-list line: ${l}`);
    const [idx, be, mac, handle, state, evtch, rings, path] = f;
    const [tx, rx] = rings!.split('/').map(Number);
    return {
      devid: Number(idx),
      backendDomid: Number(be),
      mac: mac!,
      handle: Number(handle),
      state: Number(state),
      eventChannel: Number(evtch),
      txRingRef: tx!,
      rxRingRef: rx!,
      backendPath: path!,
    };
  });
}
