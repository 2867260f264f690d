export { ClickSyntaxError, type Pos } from './errors.js';
export { Lexer, type Token, type TokenKind } from './lexer.js';
export type * from './ast.js';
export { stripPositions } from './ast.js';
export { parse, type ParseOptions } from './parser.js';
export { print } from './printer.js';
export { splitArgs, expandVariables, stripComments } from './args.js';
export { devicesOpened } from './devices.js';
export { flatten, assignArguments, type FlatElement, type FlatConnection, type FlatRouter, type FlattenError } from './flatten.js';
export {
  Catalog, CATALOG_ADDITIONS, CLICKOS_GROUPS, defaultCatalogPath, outputRange, parsePortSpec, portProcessing,
  type ElementInfo, type PortRange, type PortSpec, type Processing,
} from './catalog.js';
export { check, checkText, editDistance, formatDiagnostic, type CheckOptions, type Diagnostic } from './checker.js';
export {
  AllocationError, parseAllocation,
  type AllocationConnection, type AllocationOptions, type AllocationRequest, type NetEndpoint, type ProcessingModule,
} from './allocation.js';
export { readReplicas, BALANCED_FIELDS, type BalancedField, type Replicas } from './replicas.js';
export { readRouted, ROUTED_CLASS, type Routed } from './routed.js';
