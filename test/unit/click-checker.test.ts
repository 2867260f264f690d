import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Catalog, checkText, editDistance, formatDiagnostic, parsePortSpec, portProcessing } from '../../clickos-build/index.js';

const CONFIGS = join(import.meta.dirname, '..', 'fixtures', 'click', 'configs');
const VERDICTS = join(import.meta.dirname, '..', 'fixtures', 'click', 'verdicts.json');
const catalog = Catalog.load();
const run = (text: string, target: 'clickos' | 'any' = 'clickos') => checkText(text, 't.click', catalog, { target }).map(formatDiagnostic);

t.test('catalog notation', async (t) => {
  t.same(parsePortSpec('1/1-2'), { inputs: { min: 1, max: 1 }, outputs: { min: 1, max: 2 } });
  t.same(parsePortSpec('-/='), { inputs: { min: 0, max: Infinity }, outputs: 'same' });
  t.same(parsePortSpec('2-/=+'), { inputs: { min: 2, max: Infinity }, outputs: 'same+1' });
  t.same(parsePortSpec('0-1/1-'), { inputs: { min: 0, max: 1 }, outputs: { min: 1, max: Infinity } });
  t.throws(() => parsePortSpec('x/1'));
  t.same([0, 1, 2].map((p) => portProcessing('h/lh', 'output', p)), ['pull', 'push', 'push']);
  t.equal(portProcessing('h/lh', 'input', 3), 'push');
  t.equal(portProcessing('/h', 'input', 0), 'agnostic');
  t.equal(portProcessing('a', 'output', 0), 'agnostic');
  t.equal(catalog.lookup('FromDevice').length, 4, 'one FromDevice per group');
  t.equal(catalog.forClickOS('FromDevice')?.group, 'minios');
  t.equal(catalog.forClickOS('ToHost'), undefined);
  t.equal(editDistance('Quue', 'Queue'), 1);
  t.equal(editDistance('queue', 'Queue'), 0);
});

t.test("the checker's verdict on every shipped config matches the recorded fixture", async (t) => {
  const verdicts: Record<string, string[]> = JSON.parse(readFileSync(VERDICTS, 'utf8'));
  const files = readdirSync(CONFIGS).filter((f) => f.endsWith('.click')).sort();
  t.same(Object.keys(verdicts).sort(), files);
  for (const f of files) t.same(checkText(readFileSync(join(CONFIGS, f), 'utf8'), f, catalog).map(formatDiagnostic), verdicts[f], f);
  // spot checks read off the files by hand
  t.same(verdicts['conf_test.click'], []);
  t.same(verdicts['conf_demo.click'], [
    "conf_demo.click:2:1: ClickOS does not build element class 'PollDevice' (linuxmodule element) used by 'PollDevice@1'",
    "conf_demo.click:16:8: ClickOS does not build element class 'ToHost' (bsdmodule, linuxmodule, userlevel element) used by 'ToHost@6'",
    "conf_demo.click:36:8: 'udp_block' :: Block output 1 not connected",
  ]);
  t.same(verdicts['conf_rewriter.click'].slice(-1), ["conf_rewriter.click:26:1: unknown element class 'Rewriter' (did you mean 'IPRewriter'?)"]);
});

t.test('unknown classes, with suggestions', async (t) => {
  t.same(run('src :: InfiniteSource -> Quue -> Discard;'), ["t.click:1:26: unknown element class 'Quue' (did you mean 'Queue'?)"]);
  t.same(run('InfiniteSource -> Zorglub -> Discard;'), ["t.click:1:19: unknown element class 'Zorglub'"]);
  t.same(run('InfiniteSource -> cnt; cnt :: Counter -> Discard;'), [
    "t.click:1:19: unknown element class 'cnt' (did you mean element 'cnt', declared later or elsewhere?)",
    "t.click:1:24: 'cnt' :: Counter input 0 not connected",
  ]);
});

t.test('port counts and unconnected ports', async (t) => {
  t.same(run('Idle -> [1]Discard;'), [
    "t.click:1:9: 'Discard@2' :: Discard has no input 1: Discard has at most 1 input (ports '1/0')",
    "t.click:1:12: 'Discard@2' :: Discard input 0 not connected",
  ]);
  t.same(run('d :: Discard; d -> Discard;'), [
    "t.click:1:1: 'd' :: Discard input 0 not connected",
    "t.click:1:20: 'd' :: Discard has no output 0: Discard has no outputs (ports '1/0')",
  ]);
  t.same(run('src :: InfiniteSource -> t :: Tee; t[2] -> Discard;'), [
    "t.click:1:26: 't' :: Tee output 0 not connected",
    "t.click:1:26: 't' :: Tee output 1 not connected",
  ]);
  t.same(run('q :: Queue;'), ["t.click:1:1: 'q' :: Queue input 0 not connected", "t.click:1:1: 'q' :: Queue output 0 not connected"]);
  t.same(run('InfiniteSource -> h :: Hub; h[0] -> Discard; InfiniteSource -> [1]h; h[1] -> Discard;'), [], "'-/=': two inputs, two outputs");
  t.same(run('InfiniteSource -> h :: Hub; h[0] -> Discard; h[1] -> Discard;'), [
    "t.click:1:54: 'h' :: Hub has no output 1: Hub has at most 1 output (ports '-/=')",
  ]);
});

t.test('push and pull', async (t) => {
  t.same(run('FromDevice(0) -> Queue -> ToDevice(0);'), [], 'a queue between push and pull');
  t.same(run('FromDevice(0) -> Unqueue -> Discard;'), [
    "t.click:1:18: push output 0 of 'FromDevice@1' :: FromDevice connected to pull input 0 of 'Unqueue@2' :: Unqueue",
  ]);
  t.same(run('FromDevice(0) -> Counter -> c2 :: Counter -> Unqueue -> Discard;'), [
    "t.click:1:18: agnostic 'Counter@2' :: Counter is used in both push and pull context",
  ]);
  t.same(run('s :: InfiniteSource; s -> Discard; s -> Discard;'), [
    "t.click:1:27: push output 0 of 's' :: InfiniteSource connected to 2 inputs (use a Tee)",
  ]);
  t.same(run('a :: Queue; b :: Queue; Idle -> a; Idle -> b; a -> u :: Unqueue -> Discard; b -> u;'), [
    "t.click:1:52: pull input 0 of 'u' :: Unqueue connected to 2 outputs",
  ]);
});

t.test('elements ClickOS does not build are named as such', async (t) => {
  t.same(run('FromDevice(0) -> ToHost;'), [
    "t.click:1:18: ClickOS does not build element class 'ToHost' (bsdmodule, linuxmodule, userlevel element) used by 'ToHost@2'",
  ]);
  t.same(run('FromDevice(0) -> ToHost;', 'any'), [], 'not for a userlevel target');
  t.same(run('PollDevice(eth0) -> Discard;'), [
    "t.click:1:1: ClickOS does not build element class 'PollDevice' (linuxmodule element) used by 'PollDevice@1'",
  ]);
});

t.test('syntax and compound errors come back as diagnostics', async (t) => {
  t.same(checkText('a :: Queue(;', 'bad.click', catalog), [
    { file: 'bad.click', line: 1, col: 11, severity: 'error', message: "unbalanced '(': configuration string has no closing ')'" },
  ]);
  t.same(run('elementclass A { $a | input -> output }\nIdle -> A -> Discard;'), [
    "t.click:2:9: no match for 'A[0 arguments, 1 input, 1 output]'",
    "t.click:2:14: 'Discard@3' :: Discard input 0 not connected",
  ]);
});
