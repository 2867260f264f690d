// deploy_pm (command, D3.2 §2.1.1, docs/platform.md): registers a processing-module
// type — its name (the element class allocation requests use) and its Click source,
// checked by clickos-build's checker. A command, not a task: the check is quick and
// local; no host is touched until an allocation uses the type. D3.2's (pm_name,
// pm_src) travel as one struct (the daemon convention), with optional placement
// demands.
import { resourcedMethod } from '../daemon.js';

export default resourcedMethod('deploy_pm', (arg, ctx) => ctx.services.deployPm(arg));
