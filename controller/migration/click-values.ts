// Click's printed forms of the values a handler shows, as the pinned sources print them
// (clickos-a092d40, lib/): the codecs parse them strictly and write back what Click's own
// Args parsers accept. Anything else is a CodecError naming the value.
import { CodecError } from './errors.js';

/** IPAddress's operator<< (lib/ipaddress.cc): "%d.%d.%d.%d". */
export function parseIPv4(text: string, what: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m || m.slice(1).some((o) => Number(o) > 255 || (o.length > 1 && o.startsWith('0'))))
    throw new CodecError(`${what}: "${text}" is not an IPv4 address as Click prints one (a.b.c.d)`);
  return text;
}

/**
 * EtherAddress's operator<< (lib/etheraddress.cc) prints "%02X-…" (dashes, upper case);
 * unparse_colon prints colons. Both accepted; kept as dashes, the form EtherAddressArg
 * parses back.
 */
export function parseEther(text: string, what: string): string {
  if (!/^[0-9A-Fa-f]{2}([-:])[0-9A-Fa-f]{2}(\1[0-9A-Fa-f]{2}){4}$/.test(text))
    throw new CodecError(`${what}: "${text}" is not an Ethernet address as Click prints one (XX-XX-XX-XX-XX-XX)`);
  return text.toUpperCase().replace(/:/g, '-');
}

/** Timestamp's operator<< (lib/timestamp.cc): "%ld.%06u", or "%ld.%09u" with nanosecond precision; a "-" when negative. Seconds. */
export function parseTimestamp(text: string, what: string): number {
  if (!/^-?\d+\.(\d{6}|\d{9})$/.test(text))
    throw new CodecError(`${what}: "${text}" is not a Click timestamp (seconds.microseconds)`);
  return Number(text);
}

/** A decimal integer as String(int) prints it. */
export function parseInteger(text: string, what: string): number {
  if (!/^-?\d+$/.test(text)) throw new CodecError(`${what}: "${text}" is not an integer`);
  return Number(text);
}
