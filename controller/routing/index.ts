// controller/routing: routing as a platform primitive, seed §2.4 (README.md here).
export { RouteTable, parseRouteTable, addressRoutedBy, NEXTHOP_NAME_RE, type Route, type ParseRouteOptions } from './routes.js';
export { RouteTableError, RoutingInputError, type RouteLineError } from './errors.js';
export { checkNextHops, type NextHop, type NextHops } from './nexthops.js';
export { routerConfig, ROUTER_ELEMENTS, type RouterConfigOptions } from './click.js';
export { routingCookie, isRoutingCookie, readRoutingCookie, ROUTING_COOKIE_TAG } from './cookies.js';
export { FastPath, type FastPathPorts, type FastPathOptions, type FastPathCounters, type RoutingDriver } from './fastpath.js';
export { decodeSflow, SflowCollector, SflowDecodeError, sflowVsctlArgs, sflowClearArgs, type FlowSample } from '../sflow/sflow.js';
export { BinLearner, type LearnedBin } from './learn.js';
export { RoutingGroup, type RoutingGroupOptions, type BinReport } from './loop.js';
