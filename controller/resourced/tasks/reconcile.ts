// reconcile (task; controller/resourced/reconcile.ts, docs/controller-store.md): records
// against what the hosts and the switch hold; interrupted installs and deletes finished
// or undone, PMs and flows no allocation owns removed. dry_run only lists the actions.
import { ok } from '../../../daemon/index.js';
import { resourcedMethod } from '../daemon.js';

export default resourcedMethod('reconcile', async (arg, ctx) => {
  const dryRun = arg?.dry_run === true;
  const refused = dryRun ? undefined : ctx.services.notLeader('reconcile');
  if (refused) return refused;
  const actions = await ctx.services.reconcile({ dryRun });
  const acted = actions.filter((a) => a.kind !== 'adopt');
  return ok(actions, `${acted.length} action(s)${dryRun ? ' would be taken' : ''}, ${actions.length - acted.length} allocation(s) adopted`);
});
