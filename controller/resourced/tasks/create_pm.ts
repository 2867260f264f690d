// create_pm (task, D3.2 §2.1.2 low-level API, docs/platform.md): one PM of a deployed
// type, placed by the placement engine (a one-module request; on `host` if given),
// created through that host's hostd, recorded as a record of kind "pm" so reconciliation
// owns it. The value's name is what delete_pm and create_connections' requests use.
import { resourcedMethod } from '../daemon.js';

export default resourcedMethod('create_pm', (arg, ctx) => ctx.services.createPm(arg));
