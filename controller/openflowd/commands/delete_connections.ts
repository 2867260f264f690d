// delete_connections (D3.2 §2.1.2): removes what create_connections installed. Flows go
// by cookie (every table), so the request is only checked to parse, as D3.2 passes it.
import { openflowdMethod } from '../daemon.js';

export default openflowdMethod('delete_connections', (arg, ctx) =>
  ctx.services.wrongSwitch(arg.switch_name) ?? ctx.services.badRequest(arg.alloc) ?? ctx.services.remove(arg.cookie),
);
