// list_ports: the switch's port numbers by name, what RemoteSteering resolves vifs with.
import { openflowdMethod } from '../daemon.js';

export default openflowdMethod('list_ports', (_arg, ctx) => ctx.services.ports());
