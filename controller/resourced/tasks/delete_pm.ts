// delete_pm (task, D3.2 §2.1.2): removes a PM create_pm made, by name, through its host's
// hostd; refused (in_use) while connections of create_connections use it.
import { resourcedMethod } from '../daemon.js';

export default resourcedMethod('delete_pm', (arg, ctx) => ctx.services.deletePm(arg));
