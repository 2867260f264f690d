// deploy_pm (command): registers a processing-module type — its name (the element
// class allocation requests use) and its Click source, checked by clickos-build's
// checker. A command, not a task: the check is quick and local; no host is touched
// until an allocation uses the type.
import { resourcedMethod } from '../daemon.js';

export default resourcedMethod('deploy_pm', (arg, ctx) => ctx.services.deployPm(arg));
