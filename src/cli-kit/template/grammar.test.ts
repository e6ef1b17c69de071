// Unit tests for text/template's grammar as the engine implements it: chains on
// parenthesised pipelines, variables and assignment, break/continue, named
// templates, the builtins and Go's fmt verbs, and Go's parse and exec errors.
// (The same behaviour is checked against the docker CLI in test/integration/template-corpus.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Template } from './index.ts';
import { sprintf } from './fmt.ts';

const data = {
  Name: '/web',
  Id: 'abcdef0123456789',
  NetworkSettings: { Networks: { n: { IPAddress: '10.0.0.2' }, m: { IPAddress: '10.1.0.2' } } },
  Config: { Cmd: ['sleep', '300'], Labels: { a: '1' } },
  State: { Pid: 42, Running: true },
};
const run = (src: string, d: unknown = data) => new Template(src).execute(d);

test('a field chain after a parenthesised pipeline reads the field of its result', () => {
  assert.equal(run('{{(index .NetworkSettings.Networks "n").IPAddress}}'), '10.0.0.2');
  assert.equal(run('{{(.NetworkSettings).Networks.m.IPAddress}}'), '10.1.0.2');
  assert.equal(run('{{with $n := index .NetworkSettings.Networks "m"}}{{$n.IPAddress}}{{end}}'), '10.1.0.2');
});

test('variables are declared, assigned with = and scoped to their block', () => {
  assert.equal(run('{{$x := 1}}{{if true}}{{$x = 2}}{{$y := 3}}{{end}}{{$x}}'), '2');
  assert.throws(() => new Template('{{if true}}{{$y := 3}}{{end}}{{$y}}'), { message: 'template: :1: undefined variable "$y"' });
  assert.equal(run('{{range $i, $c := .Config.Cmd}}{{$i}}{{$c}}{{end}}{{$.Name}}'), '0sleep1300/web');
});

test('break and continue leave or skip a range iteration', () => {
  assert.equal(run('{{range $i, $v := .Config.Cmd}}{{if eq $i 1}}{{break}}{{end}}{{$v}}{{end}}'), 'sleep');
  assert.equal(run('{{range $i, $v := .Config.Cmd}}{{if eq $i 0}}{{continue}}{{end}}{{$v}}{{end}}'), '300');
  assert.throws(() => new Template('{{continue}}'), { message: 'template: :1: {{continue}} outside {{range}}' });
});

test('define, template and block run named templates with their own dot', () => {
  assert.equal(run('{{define "t"}}<{{.}}>{{end}}{{template "t" .Name}}{{template "t" 1}}'), '</web><1>');
  assert.equal(run('{{block "b" .State.Pid}}[{{.}}]{{end}}'), '[42]');
  assert.throws(() => run('{{template "nope"}}'), /template "nope" not defined/);
});

test('else if and else with chain their branches', () => {
  assert.equal(run('{{if false}}a{{else if .Nope}}b{{else if .State.Running}}c{{else}}d{{end}}'), 'c');
  assert.equal(run('{{with .Nope}}a{{else with .Name}}{{.}}{{end}}'), '/web');
});

test('and and or return the deciding operand and stop evaluating early', () => {
  assert.equal(run('{{and 1 0 (index .Config.Cmd 9)}}'), '0');
  assert.equal(run('{{or "" "x" (index .Config.Cmd 9)}}'), 'x');
  assert.equal(run('{{and 1 "y"}}'), 'y');
});

test('comparisons follow Go: eq takes several operands, mixed kinds fail', () => {
  assert.equal(run('{{eq .Name "x" "/web"}} {{ne 1 2}} {{lt "a" "b"}} {{ge 2 2}} {{le 3 2}} {{gt 1.5 1}}'), 'true true true true false true');
  assert.throws(() => run('{{eq .Name 1}}'), /error calling eq: incompatible types for comparison/);
  assert.throws(() => run('{{lt true false}}'), /invalid type for comparison/);
});

test('index, slice and len work on maps, slices and strings (bytes)', () => {
  assert.equal(run('{{index .Config.Labels "a"}} {{index .Config.Cmd 1}} {{index "AB" 1}}'), '1 300 66');
  assert.equal(run('{{slice .Id 0 6}} {{slice .Config.Cmd 1}} {{len .Id}} {{len .Config.Labels}}'), 'abcdef [300] 16 1');
  assert.throws(() => run('{{slice .Id 3 2}}'), /invalid slice index: 3 > 2/);
  assert.throws(() => run('{{index .Config.Cmd 5}}'), /at <index .Config.Cmd 5>: error calling index: index out of range: 5/);
});

test('html, js and urlquery escape as Go does', () => {
  assert.equal(run(`{{html "<a href='x'>&\\""}}`), '&lt;a href=&#39;x&#39;&gt;&amp;&#34;');
  assert.equal(run(`{{js "it's <b>=\\"q\\""}}`), "it\\'s \\u003Cb\\u003E\\u003D\\\"q\\\"");
  assert.equal(run('{{urlquery "a b&c=d/é"}}'), 'a+b%26c%3Dd%2F%C3%A9');
});

test('the docker functions check their argument types as Go does', () => {
  assert.equal(run('{{join (split "a,b" ",") "+"}} {{pad "x" 1 2}}| {{truncate "abcdef" 3}} {{title "ab cd"}}'), 'a+b  x  | abc Ab Cd');
  assert.throws(() => run('{{upper .State.Pid}}'), /wrong type for value; expected string; got int/);
  assert.throws(() => run('{{truncate .Name "3"}}'), /expected integer; found "3"/);
});

test('printf implements the fmt verbs templates use', () => {
  assert.equal(sprintf('%s|%5s|%-5s|%q|%d|%05d|%x|%X|%t|%v', ['a', 'ab', 'cd', 'q"', 42, 7, 255, 'hi', true, ['x', 1]]), 'a|   ab|cd   |"q\\""|42|00007|ff|6869|true|[x 1]');
  assert.equal(sprintf('%.2f %e %o %b %c %%', [3.14159, 1234.5, 8, 5, 65]), '3.14 1.234500e+03 10 101 A %');
  assert.equal(sprintf('%d %s %d', ['x', 1]), '%!d(string=x) %!s(int=1) %!d(MISSING)');
  assert.equal(sprintf('%s', ['a', 'b']), 'a%!(EXTRA string=b)');
});

test('literals: raw strings, escapes, char constants, hex, exponents, underscores', () => {
  assert.equal(run('{{`a\\n`}} {{"t\\tx"}} {{\'a\'}} {{0x1F}} {{1e3}} {{-5}} {{1_000}}'), 'a\\n t\tx 97 31 1000 -5 1000');
});

test('trim markers and comments', () => {
  assert.equal(run('a \n {{- /* c */ -}} \n b{{- " " -}} c'), 'ab c');
  assert.throws(() => new Template('{{/* x */ .Name}}'), { message: 'template: :1: comment ends before closing delimiter' });
});

test('parse errors use Go\'s wording and line numbers', () => {
  const cases: [string, string][] = [
    ['{{.Name}', "template: :1: bad character U+007D '}'"],
    ['{{.Name }', 'template: :1: unexpected "}" in operand'],
    ['{{if .A}}x', 'template: :1: unexpected EOF'],
    ['{{"a" | 1}}', 'template: :1: non executable command in pipeline stage 2'],
    ['{{$a, $b := 1}}', 'template: :1: too many declarations in command'],
    ['{{range $a, $b, $c := .L}}{{end}}', 'template: :1: too many declarations in range'],
    ['x\n{{1.X}}', 'template: :2: bad number syntax: "1.X"'],
    ['x\n{{"a".X}}', 'template: :2: unexpected . after term "\\"a\\""'],
    ['{{nope}}', 'template: :1: function "nope" not defined'],
    ['{{"abc}}', 'template: :1: unterminated quoted string'],
    ['{{(.A}}', 'template: :1: unclosed left paren'],
  ];
  for (const [src, message] of cases) assert.throws(() => new Template(src), { message }, src);
});

test('exec errors name the place and the operand as Go does', () => {
  assert.throws(() => run('{{.Name.Foo}}'), { message: 'template: :1:7: executing "" at <.Name.Foo>: can\'t evaluate field Foo in type string' });
  assert.throws(() => run('{{.Name 1}}'), { message: 'template: :1:2: executing "" at <.Name>: Name is not a method but has arguments' });
  assert.throws(() => run('{{index}}'), { message: 'template: :1:2: executing "" at <index>: wrong number of args for index: want at least 1 got 0' });
  assert.throws(() => run('{{1 2}}'), { message: 'template: :1:2: executing "" at <1>: can\'t give argument to non-function 1' });
});
