// report_stats (command): monitord's snapshot — hosts' host_stats, PMs' traffic, the
// switch's counters — for placement and for get_pm_info/list_hosts (measured.ts).
import { resourcedMethod } from '../daemon.js';

export default resourcedMethod('report_stats', (arg, ctx) => ctx.services.reportStats(arg, ctx.who));
