// Python's xmlrpc.client, an independent implementation nobody here wrote, calls
// every method of the example daemon: commands, a polled task, a compound task that
// fails midway, faults, multicall, introspection, nil, dateTime, base64, upgrade.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startExample, SECRET } from '../support/daemon.js';
import { runPython } from '../support/python.js';
import { FaultCode } from '../../daemon/index.js';

const script = fileURLToPath(new URL('../fixtures/daemon/python_client.py', import.meta.url));

const rv = (code: number, message: unknown, value: unknown) => ({ struct: { code: { int: code }, message, value } });

t.test('python xmlrpc.client against the example daemon', async (t) => {
  const d = await startExample(t, { concurrency: 2 });
  const out = await runPython<Record<string, any>>(script, [d.url, SECRET], 60_000);

  const methods = ['add', 'boom', 'deploy', 'echo', 'journal', 'ping', 'sleep', 'step', 'system.listMethods', 'system.methodHelp', 'system.multicall', 'task.compound', 'task.list', 'task.status', 'upgrade'];
  t.same(out.listMethods, methods, 'listMethods: built-ins and every file of both folders');
  t.match(out.helpAdd, /^command: Adds \{a, b\}\.\nparams: \(\{a: int, b: int\}\)/);
  t.match(out.helpDeploy, /^task \(compound\):.*\n.*default high/);

  t.same(out.ping, rv(0, { str: 'ok' }, { str: 'pong from example' }));
  t.same(out.add, rv(0, { str: 'ok' }, { int: 42 }));
  t.same(out.echo, rv(0, { str: 'ok' }, out.echoSent), 'every type comes back as Python sent it');
  t.same(out.echoIntegralDouble, rv(0, { str: 'ok' }, { int: 3 }), 'an integral double returns as int (JS numbers have one type)');
  t.same(out.echoNil, rv(0, { str: 'ok' }, { nil: true }));
  t.same(out.echoDate, rv(0, { str: 'ok' }, { date: '1999-12-31T23:59:59' }));
  t.same(out.echoBytes, rv(0, { str: 'ok' }, { b64: Buffer.from('\x00\xffbinary', 'latin1').toString('base64') }));
  t.same(out.boom, rv(1, { str: 'command boom failed: boom' }, { nil: true }), 'a throwing command answers CODE_FAILURE');

  const f = out.faults;
  t.equal(f.noSuchMethod.faultCode, FaultCode.METHOD_NOT_FOUND);
  t.equal(f.wrongType.faultCode, FaultCode.INVALID_PARAMS);
  t.match(f.wrongType.faultString, /param 1\.a: expected int/);
  t.equal(f.extraMember.faultCode, FaultCode.INVALID_PARAMS);
  t.match(f.extraMember.faultString, /unexpected member "c"/);
  t.equal(f.tooManyParams.faultCode, FaultCode.INVALID_PARAMS);
  t.equal(f.badPriority.faultCode, FaultCode.INVALID_PARAMS);
  t.equal(f.helpUnknown.faultCode, FaultCode.METHOD_NOT_FOUND);
  t.equal(f.unknownTaskInCompound.faultCode, FaultCode.INVALID_PARAMS);
  t.equal(f.unauthenticated.faultCode, FaultCode.UNAUTHENTICATED);
  t.equal(f.noSecret.faultCode, FaultCode.UNAUTHENTICATED);

  t.equal(out.sleepQueued.struct.code.int, -1, 'a task answers NOT_READY at once');
  t.match(out.sleepQueued.struct.value, { str: /^[0-9a-f]{8}-\d+$/ }, '... with its id');
  t.same(out.sleepFinal, rv(0, { str: 'slept' }, { int: 150 }));
  t.equal(out.sleepSeen[0], -1, 'the poll saw the task not ready before it finished');
  t.equal(out.sleepSeen.at(-1), 0);

  t.equal(out.deployQueued.struct.message.str, 'task deploy queued (high)', 'the definition\'s priority applies');
  const dep = out.deployFinal.struct;
  t.equal(dep.code.int, 1, 'compound task fails');
  t.equal(dep.message.str, 'part 2/3 (step) failed: step py2 failed as asked');
  t.same(dep.value.map((p: any) => [p.struct.task.str, p.struct.code.int]), [['step', 0], ['step', 1]], 'part 3 never ran');
  t.same(out.compoundFinal.struct.code, { int: 0 });
  t.same(out.compoundFinal.struct.value.map((p: any) => p.struct.value.str), ['c1', 'c2']);
  t.same(out.journal, rv(0, { str: 'ok' }, [{ str: 'py1' }, { str: 'py2' }, { str: 'c1' }, { str: 'c2' }]));
  t.same(d.services.journal, ['py1', 'py2', 'c1', 'c2'], 'the daemon side agrees');
  t.equal(out.taskList.struct.value.length, 3);
  t.same(out.taskList.struct.value.map((x: any) => x.struct.state.str), ['done', 'done', 'done']);
  t.equal(out.statusUnknown.struct.code.int, 1);

  t.same(out.multicall[0], { ok: rv(0, { str: 'ok' }, { str: 'pong from example' }) });
  t.same(out.multicall[1], { ok: rv(0, { str: 'ok' }, { int: 3 }) });
  t.same(out.multicall[2], { fault: FaultCode.METHOD_NOT_FOUND });
  t.same(out.multicall[3], { fault: FaultCode.INVALID_PARAMS });
  t.same(out.multicall[4], { ok: rv(0, { str: 'ok' }, { struct: { d: { date: '2000-01-01T00:00:00' }, b: { b64: Buffer.from('xyz').toString('base64') }, n: { nil: true } } }) });
  t.equal(out.nestedMulticall[0].struct.faultCode.int, FaultCode.INVALID_PARAMS, 'multicall cannot nest');
  t.same(out.nestedMulticall[1], [rv(0, { str: 'ok' }, { str: 'pong from example' })]);

  t.equal(out.upgradeFinal.struct.code.int, 0, 'upgrade from Python installs');
  t.same(out.pyhello, rv(0, { str: 'ok' }, { str: 'hello from an uploaded command' }), 'and the new command runs without a restart');
  t.equal(out.upgradeTraversal.faultCode, FaultCode.INVALID_PARAMS, 'a traversal name is refused');
  t.ok(out.listAfterUpgrade.includes('pyhello'));

  const audit = (await readFile(d.auditLog, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  t.ok(audit.some((e) => e.method === 'upgrade' && e.who === 'client' && e.code === -1), 'upgrade audited');
  t.ok(audit.some((e) => e.method === 'boom' && e.code === 1), 'failed command audited');
  t.ok(audit.some((e) => e.who === null && e.code === 'unauthenticated'), 'refused caller audited');
  t.notOk(audit.some((e) => e.method === 'ping' || e.method === 'echo'), 'read-only calls not audited');
});
