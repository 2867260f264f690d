// delete_connections (task, D3.2 §2.1.2): removes exactly the flows create_connections
// installed for the same switch, table and request (found by its record).
import { resourcedMethod } from '../daemon.js';

export default resourcedMethod('delete_connections', (arg, ctx) => ctx.services.deleteConnections(arg));
