// The shared daemon library: everything hostd and the controller's daemons import.
export { createDaemon, type Daemon, type DaemonOptions } from './daemon.js';
export type { CommandDefinition, TaskDefinition, TaskPart, StepPart, CompoundPlan, MethodContext, Priority, Kind, Kit } from './definition.js';
export { kit } from './definition.js';
export { s, type Schema } from './schema.js';
export { ok, fail, failWith, errorOf, notReady, isReturnValue, CODE_NOT_READY, CODE_SUCCESS, CODE_FAILURE, type ReturnValue, type Success, type Failure } from './return-value.js';
export { XmlRpcClient, HttpError, type ClientOptions } from './xmlrpc/client.js';
export { Fault, FaultCode } from './xmlrpc/fault.js';
export { Double, type XmlRpcValue, type Encodable } from './xmlrpc/values.js';
export { defineApi, command, task, implement, implementFor, compoundFor, callApi, checkReply, settleTask, methodNames, apiTables, withTables, shippedFolder, MethodError, failure, type Api, type MethodSpec, type ArgOf, type ResultOf, type Reply, type Pending, type Infer } from './contract.js';
