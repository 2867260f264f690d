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
  ['non-integer port', 'a :: Idle; a[x] -> Discard;', "bad.click:1:14: port number should be an integer, not 'x'"],
  ['empty port', 'a :: Idle; a[] -> Discard;', 'bad.click:1:14: expected port number'],
  ['unclosed port', 'a :: Idle; a[1 -> Discard;', "bad.click:1:16: expected ']', found '->'"],
  ['output port at end of chain', 'a :: Idle; Idle -> a[1];', 'bad.click:1:20: output port useless at end of chain'],
  ['input port at start of chain', 'a :: Idle; [1]a -> Discard;', 'bad.click:1:12: input port useless at start of chain'],
  ['dangling arrow', 'a :: Idle; a -> ;', "bad.click:1:17: expected element after '->', found ';'"],
  ['arrow at end of file', 'Idle ->', "bad.click:1:8: expected element after '->', found end of file"],
  ['redeclaration', 'a :: Idle;\na :: Discard;', "bad.click:2:1: redeclaration of element 'a'"],
  ['redeclaration in a chain', 'a :: Idle -> a :: Discard;', "bad.click:1:14: redeclaration of element 'a'"],
  ['all-digit name', '5 :: Idle;', "bad.click:1:1: element name '5' has all-digit component"],
  ['stray close brace', 'a :: Idle; }', "bad.click:1:12: syntax error near '}'"],
  ['stray character', 'a :: Idle; a -> Discard = 3;', "bad.click:1:25: syntax error near '='"],
  ['comma after element in chain', 'a :: Idle; a -> Discard, b;', "bad.click:1:24: syntax error before ','"],
  ['two output ports', 'a :: Idle; a[0][1] -> Discard;', 'bad.click:1:16: two output ports on one element'],
  ['declaration list then arrow', 'a, b :: Idle -> Discard;', 'bad.click:1:14: a declaration of several elements cannot start a connection'],
  ['missing :: in declaration list', 'a, b Idle;', "bad.click:1:6: expected '::' or ',', found 'Idle'"],
  ['elementclass without a name', 'elementclass { input -> output }', "bad.click:1:14: expected element class name, found '{'"],
  ['elementclass without a body', 'elementclass Foo ;', "bad.click:1:18: syntax error near ';': expected '{' or a class name"],
  ['unclosed compound', 'elementclass Foo {\n  input -> Counter -> output;\n', "bad.click:3:1: expected '}' before end of file"],
  ['bad formal list', 'elementclass Foo { $a $b | input -> output }', "bad.click:1:23: expected ',' or '|', found '$b'"],
  ['formal list not ended', 'elementclass Foo { $a, input -> output }', "bad.click:1:24: expected variable, found 'input'"],
  ['repeated formal', 'elementclass Foo { $a, $a | input -> output }', "bad.click:1:24: parameter '$a' multiply defined"],
  ['positional after keyword formal', 'elementclass Foo { RATE $r, $a | input -> output }', "bad.click:1:29: compound element parameters out of order: positional, then keywords, then '__REST__'"],
  ['... first', 'elementclass Foo { ... }', "bad.click:1:20: '...' should occur last, after one or more compounds"],
  ['... not last', 'elementclass Foo { input -> output || ... || input -> output }', "bad.click:1:39: '...' should occur last, after one or more compounds"],
  ['bad compound separator', 'elementclass Foo { input -> output | input -> output }', "bad.click:1:36: syntax error near '|'"],
  ['define without a variable', 'define(DEV eth0);', "bad.click:1:8: bad 'define' declaration: 'DEV eth0' is not a variable and value"],
  ['require without parentheses', 'require fastclassifier;', "bad.click:1:9: expected '(' after 'require'"],
  ['element named like a class', 'elementclass Foo { input -> output }\nFoo :: Counter;', "bad.click:2:1: 'Foo' is an element class"],
  ['unknown directive', 'a :: Idle;\n#include "x"\n', 'bad.click:2:1: unknown preprocessor directive'],
  ['tunnel without arrow', 'connectiontunnel a b;', "bad.click:1:20: expected '->', found 'b'"],
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
  for (const text of ['a :: Queue(10) -> b :: Discard;', 'InfiniteSource(\\<00 11>) -> Discard;', 'a :: Idle; a[1] -> [0]Discard;', 'elementclass Foo { $a, $b | input -> output }']) {
    t.doesNotThrow(() => parse(text, 'ok.click'), text);
  }
});
