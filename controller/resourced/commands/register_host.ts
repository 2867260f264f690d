// register_host (command): a module host's hostd announces itself with its URL and
// host_stats; the reply's {host_id} is the id it heartbeats with.
import { resourcedMethod } from '../daemon.js';

export default resourcedMethod('register_host', (arg, ctx) => ctx.services.registerHost(arg, ctx.who));
