// Verbs that talk to the platform's daemons over XML-RPC. The secret comes from
// --secret-file or $CLICKOS_SECRET (never from the command line: ps would show it).
import { readFileSync } from 'node:fs';
import { UsageError, parseVerb, want } from './context.js';
import type { Verb } from './xl-verbs.js';

/** The daemon's secret: from --secret-file FILE, else $CLICKOS_SECRET; neither is bad usage. */
export function secret(file: string | undefined): string {
  const s = file !== undefined ? readFileSync(file, 'utf8').trim() : process.env.CLICKOS_SECRET;
  if (!s) throw new UsageError('give the daemon\'s secret with --secret-file FILE or $CLICKOS_SECRET');
  return s;
}

export const daemonVerbs: Record<string, Verb> = {
  /** monitord's get_stats: hosts' host_stats and the switch's flow, port and allocation counters. */
  async stats(args, ctx) {
    const { opts, pos } = parseVerb(args, ctx, { 'secret-file': { type: 'string' } });
    const key = secret(opts['secret-file'] as string | undefined);
    const [url] = want(pos, 1, 'stats [--secret-file FILE] <monitord-url>');
    // Loaded here, not at the top: the daemon client is dozens of modules every other verb
    // would pay for at each start.
    const { XmlRpcClient, callApi } = await import('../daemon/index.js');
    const { formatStats, monitordApi } = await import('../controller/monitord/index.js');
    const c = new XmlRpcClient({ url: url!, secret: key });
    try {
      const rv = await ctx.step('get_stats', () => callApi(c, monitordApi, 'get_stats'));
      if (rv.code !== 0) throw new Error(`get_stats: ${rv.message}`);
      ctx.print(formatStats(rv.value).replace(/\n$/, ''), rv.value);
    } finally {
      c.close();
    }
  },
};
