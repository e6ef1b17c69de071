// Unit tests for the Go text/template subset behind --format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Template, TemplateObject } from './index.ts';

const data = {
  Name: '/web',
  State: { Running: true, Pid: 42, ExitCode: 0 },
  Config: { Env: ['A=1', 'B=2'], Labels: { b: '2', a: '1' }, Cmd: ['sh', '-c', 'x'], Entrypoint: null },
  Empty: [],
};
const run = (src: string, d: unknown = data, missingKey?: 'error') => new Template(src).execute(d, missingKey ? { missingKey } : {});

test('a field chain prints the value with Go formatting', () => {
  assert.equal(run('{{.State.Running}} {{.Name}} {{.State.Pid}}'), 'true /web 42');
  assert.equal(run('{{.Config.Env}}'), '[A=1 B=2]');
  assert.equal(run('{{.Config.Labels}}'), 'map[a:1 b:2]');
  assert.equal(run('{{.Config.Entrypoint}}'), '<nil>');
});

test('json marshals values and works as a pipeline stage', () => {
  assert.equal(run('{{json .Config.Cmd}}'), '["sh","-c","x"]');
  assert.equal(run('{{.Config.Cmd | json}}'), '["sh","-c","x"]');
});

test('range iterates lists, maps with $k $v in key order, and runs else when empty', () => {
  assert.equal(run('{{range .Config.Env}}[{{.}}]{{end}}'), '[A=1][B=2]');
  assert.equal(run('{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}'), 'a=1;b=2;');
  assert.equal(run('{{range $i, $e := .Config.Env}}{{$i}}:{{$e}} {{end}}'), '0:A=1 1:B=2 ');
  assert.equal(run('{{range .Empty}}x{{else}}none{{end}}'), 'none');
  assert.equal(run('{{range.Config.Env}}{{.}}{{end}}'), 'A=1B=2');
});

test('if, else if and else pick the first true branch', () => {
  assert.equal(run('{{if .State.Running}}up{{else}}down{{end}}'), 'up');
  assert.equal(run('{{if .Empty}}a{{else if eq .Name "/web"}}b{{else}}c{{end}}'), 'b');
  assert.equal(run('{{if not .State.Running}}a{{else}}c{{end}}'), 'c');
});

test('index, join, upper, lower, title, len and println behave as in docker', () => {
  assert.equal(run('{{index .Config.Labels "a"}}'), '1');
  assert.equal(run('{{index .Config.Env 1}}'), 'B=2');
  assert.equal(run('{{join .Config.Env ","}}'), 'A=1,B=2');
  assert.equal(run('{{upper .Name}} {{lower "AB"}} {{title "hello world"}}'), '/WEB ab Hello World');
  assert.equal(run('{{len .Config.Env}}'), '2');
  assert.equal(run('{{println .Name}}x'), '/web\nx');
});

test('trim markers remove the whitespace beside an action', () => {
  assert.equal(run('a  {{- .Name -}}  b'), 'a/webb');
  assert.equal(run('{{.Name}}\n{{- /* comment */ -}}\n!'), '/web!');
});

test('variables are declared and read back', () => {
  assert.equal(run('{{$n := .Name}}{{$n}}{{$.Name}}'), '/web/web');
});

test('a missing map key prints <no value>, or fails with missingkey=error at Go\'s position', () => {
  assert.equal(run('{{.Nope}}'), '<no value>');
  assert.throws(() => run('{{.Nope}}', data, 'error'), { message: 'template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"' });
  assert.throws(() => run('{{.Config.Nope.X}}', data, 'error'), { message: 'template: :1:9: executing "" at <.Config.Nope.X>: map has no entry for key "Nope"' });
});

test('an unknown field of a formatter context fails with docker\'s message', () => {
  const ctx = new TemplateObject('*formatter.ContainerContext', { ID: () => 'abc', Label: (k: unknown) => `v-${String(k)}` });
  assert.equal(run('{{.ID}} {{.Label "x"}}', ctx), 'abc v-x');
  assert.throws(() => run('{{.Nope}}', ctx), { message: 'template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext' });
  assert.throws(() => run('{{.ID.X}}', ctx), { message: 'template: :1:5: executing "" at <.ID.X>: can\'t evaluate field X in type string' });
});

test('json of a formatter context escapes HTML like json.Marshal', () => {
  const ctx = new TemplateObject('*formatter.imageContext', { Digest: () => '<none>' });
  assert.equal(run('{{json .}}', ctx), '{"Digest":"\\u003cnone\\u003e"}');
  assert.equal(run('{{json .Digest}}', ctx), '"<none>"');
});

test('parse errors use Go\'s wording', () => {
  assert.throws(() => new Template('{{.Name'), { message: 'template: :1: unclosed action' });
  assert.throws(() => new Template('{{end}}'), { message: 'template: :1: unexpected {{end}}' });
  assert.throws(() => new Template('{{nope .X}}').execute({}), { message: 'template: :1: function "nope" not defined' });
});
