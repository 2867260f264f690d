// remove_flows: exactly the flows carrying the cookie (none is not an error: removing twice is safe).
import { openflowdMethod } from '../daemon.js';

export default openflowdMethod('remove_flows', (arg, ctx) => ctx.services.remove(arg.cookie));
