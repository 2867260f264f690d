// cookies: each flow cookie once (resourced's reconciliation finds leftover flows by them).
import { openflowdMethod } from '../daemon.js';

export default openflowdMethod('cookies', (_arg, ctx) => ctx.services.cookies());
