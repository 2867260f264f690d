// create_connections (task, D3.2 §2.1.2): the flows of a request whose modules are PMs
// made by create_pm (by name), on the named switch's table, through the configured
// steering (openflowd), under a cookie of their own, recorded (kind "connections").
import { resourcedMethod } from '../daemon.js';

export default resourcedMethod('create_connections', (arg, ctx) => ctx.services.createConnections(arg));
