// expandWord/expandWords against BuildKit's own lexer tables (envVarTest,
// wordsTest) from the shared corpora, plus a few hand-written cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expandWord, expandWords } from './shell-lex.ts';
import { buildkitDir, corporaSkip } from './corpora.test-helper.ts';

test('expandWord agrees with every unix and common line of BuildKit envVarTest', { skip: corporaSkip }, () => {
  const env = new Map([['PWD', '/home'], ['SHELL', 'bash'], ['KOREAN', '한국어'], ['NULL', '']]);
  const lines = readFileSync(path.join(buildkitDir(), 'envVarTest'), 'utf8').split('\n');
  let checked = 0;
  const failures: string[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split('|');
    const platform = (fields[0] ?? '').trim();
    if (platform === 'W') continue;
    const source = (fields[1] ?? '').trim();
    const expected = (fields[2] ?? '').trim();
    checked++;
    let got: string;
    try {
      got = expandWord(source, env);
    } catch {
      got = 'error';
    }
    if (expected === 'error' ? got !== 'error' : got !== expected) failures.push(`${source} → ${JSON.stringify(got)}, want ${JSON.stringify(expected)}`);
  }
  assert.ok(checked > 200, `only ${checked} cases read`);
  assert.deepEqual(failures, []);
});

test('expandWords agrees with every line of BuildKit wordsTest', { skip: corporaSkip }, () => {
  const env = new Map<string, string>();
  const lines = readFileSync(path.join(buildkitDir(), 'wordsTest'), 'utf8').split('\n');
  let checked = 0;
  const failures: string[] = [];
  for (const line of lines) {
    if (line.startsWith('#') || line.trim() === '') continue;
    if (line.startsWith('ENV ')) {
      const kv = line.slice(3).replace(/^ +/, '');
      const i = kv.indexOf('=');
      env.set(i < 0 ? kv : kv.slice(0, i), i < 0 ? '' : kv.slice(i + 1));
      continue;
    }
    const fields = line.split('|');
    const source = (fields[0] ?? '').trim();
    const expected = (fields[1] ?? '').replace(/^ +/, '').split(',');
    checked++;
    let got: string[];
    try {
      got = expandWords(source, env);
    } catch {
      got = ['error'];
    }
    if (JSON.stringify(got) !== JSON.stringify(expected)) failures.push(`${source} → ${JSON.stringify(got)}, want ${JSON.stringify(expected)}`);
  }
  assert.ok(checked >= 20, `only ${checked} cases read`);
  assert.deepEqual(failures, []);
});

test('expandWord supports every substitution form the issue lists', () => {
  const env = { x: 'hello.tar.gz', e: '', p: '/usr/local/bin' };
  assert.equal(expandWord('$x', env), 'hello.tar.gz');
  assert.equal(expandWord('${x}', env), 'hello.tar.gz');
  assert.equal(expandWord('${e:-w}', env), 'w');
  assert.equal(expandWord('${e-w}', env), '');
  assert.equal(expandWord('${u-w}', env), 'w');
  assert.equal(expandWord('${x:+w}', env), 'w');
  assert.equal(expandWord('${e:+w}', env), '');
  assert.equal(expandWord('${e+w}', env), 'w');
  assert.equal(expandWord('${x:?boom}', env), 'hello.tar.gz');
  assert.throws(() => expandWord('${u:?boom}', env), /u: boom/);
  assert.equal(expandWord('${x#*.}', env), 'tar.gz');
  assert.equal(expandWord('${x##*.}', env), 'gz');
  assert.equal(expandWord('${x%.*}', env), 'hello.tar');
  assert.equal(expandWord('${x%%.*}', env), 'hello');
  assert.equal(expandWord('${p/local/opt}', env), '/usr/opt/bin');
  assert.equal(expandWord('${x//./-}', env), 'hello-tar-gz');
  assert.equal(expandWord('a`$x', env, { escape: '`' }), 'a$x');
});

test('expandWord records which variables it used', () => {
  const used = new Set<string>();
  expandWord('$a ${b:-x} $c', { a: '1', b: '2' }, { used });
  assert.deepEqual([...used].sort(), ['a', 'b']);
});
