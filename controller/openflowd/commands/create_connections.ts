// create_connections (D3.2 §2.1.2's low-level API, docs/platform.md): install_flows on
// a switch named by the caller, in the table it names; a name other than ours is refused.
import { openflowdMethod } from '../daemon.js';

export default openflowdMethod('create_connections', (arg, ctx) =>
  ctx.services.wrongSwitch(arg.switch_name) ?? ctx.services.install(arg.cookie, arg.alloc, arg.module_ports, arg.switch_table_id),
);
