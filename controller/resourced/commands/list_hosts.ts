// list_hosts (command): the registered module hosts, their capacity and our PMs on them.
import { resourcedMethod } from '../daemon.js';

export default resourcedMethod('list_hosts', (_arg, ctx) => ctx.services.listHosts());
