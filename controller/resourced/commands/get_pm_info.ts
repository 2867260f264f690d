// get_pm_info (command, D3.2 §2.1.1, docs/platform.md): the processing-module types
// this platform offers, with a description each, plus the allocations and where each
// of their PMs runs.
import { resourcedMethod } from '../daemon.js';

export default resourcedMethod('get_pm_info', (_arg, ctx) => ctx.services.pmInfo());
