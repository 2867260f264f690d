// get_pm_info (command): the processing-module types this platform offers, with a
// description each, plus the allocations and where each of their PMs runs.
import { resourcedMethod } from '../daemon.js';

export default resourcedMethod('get_pm_info', (_arg, ctx) => ctx.services.pmInfo());
