// scale_module (task): the number of replicas of an allocation's balanced module
// (`n :: NAT() x 4`, README "Replicas"): new ones placed and created, leaving ones taken
// out of the balancer's group before their PMs go; the group's rules change only where
// they must (Resourced.scaleModule).
import { resourcedMethod } from '../daemon.js';

export default resourcedMethod('scale_module', (arg, ctx) => ctx.services.scaleModule(arg));
