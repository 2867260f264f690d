// register_host (command; D3.2 §3.1.1's own example of a command, docs/platform.md): a
// module host's hostd announces itself with its URL and host_stats; the reply's
// {host_id} is the id it heartbeats with.
import { resourcedMethod } from '../daemon.js';

export default resourcedMethod('register_host', (arg, ctx) => ctx.services.registerHost(arg, ctx.who));
