import t from 'tap';
import { ClickSyntaxError, parse } from '../../clickos-build/index.js';

// Each malformed config with the exact 'file:line:col: message' the parser must give.
// Columns are 1-based characters; the positions were counted by hand.
const CASES: Array<[string, string, string]> = [
  ['missing class after ::', 'a :: ;', 'bad.click:1:6: missing element class in declaration, found \';\''],
  ['unclosed config', 'a :: Queue(10\n-> b;', "bad.click:1:11: unbalanced '(': configuration string has no closing ')'"],
  ['unterminated string', 'a :: Print("hello) -> Discard;', 'bad.click:1:12: unterminated string'],
  ['unterminated single-quoted string', "a :: Print('x) -> Discard;", 'bad.click:1:12: unterminated string'],
  ['unterminated block comment', 'a :: Idle; /* no end\n\n', "bad.click:1:12: unterminated '/*' comment"],
  ['unterminated hex data', 'InfiniteSource(\\<00 11', "bad.click:1:16: unterminated '\\<' hex data"],
  ['bad hex data', 'InfiniteSource(\\<00 1g>) -> Discard;', "bad.click:1:22: bad character 'g' in '\\<...>' hex data"],
  ['non-integer port', 'a :: Idle; a[x] -> Discard;', "bad.click:1:14: syntax error: port number should be integer, not 'x'"],
  ['comma without a port', 'a :: Idle; a[,] -> Discard;', 'bad.click:1:14: syntax error: expected port number'],
  ['unclosed port', 'a :: Idle; a[1 -> Discard;', "bad.click:1:16: syntax error: expected ',' or ']', found '->'"],
  ['output port at end of chain', 'a :: Idle; Idle -> a[1];', 'bad.click:1:20: output ports ignored at end of chain'],
  ['input port at start of chain', 'a :: Idle; [1]a -> Discard;', 'bad.click:1:12: input ports ignored at start of chain'],
  ['dangling arrow', 'a :: Idle; a -> ;', "bad.click:1:17: syntax error near ';'"],
  ['arrow at end of file', 'Idle ->', 'bad.click:1:8: syntax error near end of file'],
  ['port with no element', '[0];', 'bad.click:1:1: stranded port ignored'],
  ['configuration on a reference', 'a :: Idle; a(1) -> Discard;', 'bad.click:1:13: configuration string ignored on element reference'],
  ['many-to-many with ->', 'x :: Idle; x[0, 1] -> [0, 1]Hub;', "bad.click:1:20: syntax error: many-to-many connections require '=>'"],
  ['port counts differ', 'x :: Hub; x[0, 1] => [0, 1, 2]Hub;', 'bad.click:1:19: connection mismatch: 2 outputs connected to 3 inputs'],
  ['too few for an expandable list', 'x :: Hub; x[0, 1] => [0, 1, 2,]Hub;', 'bad.click:1:19: connection mismatch: 2 outputs connected to 3 or more inputs'],
  ['two expandable ports', 'x :: Hub; x[] => []Hub;', 'bad.click:1:15: at most one expandable port allowed per connection'],
  ['stray close parenthesis', 'Idle -> Discard )', "bad.click:1:17: syntax error near ')'"],
  ['unclosed group', 'Idle -> ( [0] -> Counter -> [0]', "bad.click:1:32: expected ')' before end of file"],
  ['gap in a group', 'Idle -> ( [1] -> Counter -> [0] ) -> Discard;', "bad.click:1:33: '<anonymous group>' input 0 missing"],
  ['implicit port mid-chain', 'elementclass E { input -> Counter -> [0], Counter -> output }', 'bad.click:1:51: implicit ports used in the middle of a chain'],
  ['redeclaration', 'a :: Idle;\na :: Discard;', "bad.click:2:1: redeclaration of element 'a'"],
  ['redeclaration in a chain', 'a :: Idle -> a :: Discard;', "bad.click:1:14: redeclaration of element 'a'"],
  ['all-digit name', '5 :: Idle;', "bad.click:1:1: element name '5' has all-digit component"],
  ['stray close brace', 'a :: Idle; }', "bad.click:1:12: syntax error near '}'"],
  ['stray character', 'a :: Idle; a -> Discard = 3;', "bad.click:1:25: syntax error near '='"],
  ['double declaration in a chain', 'a :: Idle; a -> b :: Discard :: c;', "bad.click:1:30: syntax error near '::'"],
  ['two output ports', 'a :: Idle; a[0][1] -> Discard;', 'bad.click:1:12: output ports ignored at end of chain'],
  ['elementclass without a name', 'elementclass { input -> output }', "bad.click:1:14: expected element class name, found '{'"],
  ['elementclass without a body', 'elementclass Foo ;', "bad.click:1:18: syntax error near ';': expected '{' or a class name"],
  ['unclosed compound', 'elementclass Foo {\n  input -> Counter -> output;\n', "bad.click:3:1: expected '}' before end of file"],
  ['bad formal list', 'elementclass Foo { $a $b | input -> output }', "bad.click:1:23: expected ',' or '|', found '$b'"],
  ['formal list not ended', 'elementclass Foo { $a, input -> output }', "bad.click:1:24: expected variable, found 'input'"],
  ['repeated formal', 'elementclass Foo { $a, $a | input -> output }', "bad.click:1:24: parameter '$a' multiply defined"],
  ['define repeats a variable', 'define($a 1, $b 2,\n  $a 3)', "bad.click:2:3: parameter '$a' multiply defined"],
  ['two defines of one variable', 'define($x 1); define($x 2);', "bad.click:1:22: parameter '$x' multiply defined"],
  ['define repeats a formal', 'elementclass C { $a | define($a 2) input -> output }', "bad.click:1:30: parameter '$a' multiply defined"],
  ['compound input gap', 'elementclass C { input[1] -> output }', "bad.click:1:18: 'C' input 0 missing"],
  ['compound output gap', 'elementclass C {\n  input -> [2]output }', "bad.click:2:3: 'C' output 0 missing"],
  ['anonymous compound gap', 'Idle -> { input -> [1]output } -> Discard;', "bad.click:1:11: '<anonymous>' output 0 missing"],
  ['output used as a source', 'elementclass D { input -> Counter -> output -> Discard }', "bad.click:1:18: 'D' pseudoelement 'output' may only be used as input"],
  ['positional after keyword formal', 'elementclass Foo { RATE $r, $a | input -> output }', "bad.click:1:29: compound element parameters out of order: positional, then keywords, then '__REST__'"],
  ['... first', 'elementclass Foo { ... }', "bad.click:1:20: '...' should occur last, after one or more compounds"],
  ['... not last', 'elementclass Foo { input -> output || ... || input -> output }', "bad.click:1:39: '...' should occur last, after one or more compounds"],
  ['bad compound separator', 'elementclass Foo { input -> output | input -> output }', "bad.click:1:36: syntax error near '|'"],
  ['define without a variable', 'define(DEV eth0);', "bad.click:1:8: bad 'define' declaration: 'DEV eth0' is not a variable and value"],
  ['require without parentheses', 'require fastclassifier;', "bad.click:1:9: expected '(' after 'require'"],
  ['element named like a class', 'elementclass Foo { input -> output }\nFoo :: Counter;', "bad.click:2:1: class 'Foo' used as element name"],
  ['unknown directive', 'a :: Idle;\n#include "x"\n', 'bad.click:2:1: unknown preprocessor directive'],
];

t.test(`${CASES.length} malformed configs give the exact error and position`, async (t) => {
  t.ok(CASES.length >= 25);
  for (const [what, text, expected] of CASES) {
    let err: unknown;
    try {
      parse(text, 'bad.click');
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof ClickSyntaxError, `${what}: a ClickSyntaxError`);
    t.equal((err as Error).message, expected, what);
  }
});

t.test('ClickSyntaxError carries file, line, col and the bare message', async (t) => {
  try {
    parse('a :: Idle;\n  b :: (', 'x.click');
    t.fail('parsed');
  } catch (e) {
    t.ok(e instanceof ClickSyntaxError);
    const err = e as ClickSyntaxError;
    t.same([err.file, err.line, err.col, err.reason], ['x.click', 2, 8, "missing element class in declaration, found '('"]);
  }
});

t.test('the same texts, repaired, parse', async (t) => {
  for (const text of [
    'a :: Queue(10) -> b :: Discard;', 'InfiniteSource(\\<00 11>) -> Discard;', 'a :: Idle; a[1] -> [0]Discard;', 'elementclass Foo { $a, $b | input -> output }',
    'define($a 1, $b 2)', 'elementclass C { input[0] -> output }', 'elementclass C { $a | define($b 2) input -> output }',
    'elementclass C { $a | input -> output } elementclass D { $a | input -> output }', 'x :: Idle; x[0, 1] => [0, 1]Hub;', 'x :: Hub; x[0, 1] => [2,]Hub;',
    'Idle -> ( [0] -> Counter -> [0] ) -> Discard;', 'elementclass E { [0] -> Counter -> [0] }',
  ]) {
    t.doesNotThrow(() => parse(text, 'ok.click'), text);
  }
});
