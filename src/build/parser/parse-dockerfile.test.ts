// parseDockerfile against BuildKit: the parser testfiles and their `result`
// dumps, the negative cases, line numbers, and the recorded AST of every
// file in the shared corpora (BuildKit's 38 and the 559 real-world files).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDockerfile } from './parse-dockerfile.ts';
import { dumpResult } from './dump.ts';
import { dockerfileErrorDetail } from './errors.ts';
import type { Node } from './ast.ts';
import { isInvalidArgument } from '../../core/index.ts';
import { buildkitDir, corporaSkip, realworldDir } from './corpora.test-helper.ts';

/** A node in the JSON shape of the corpus' expected-buildkit-ast.jsonl. */
function nodeJSON(n: Node): Record<string, unknown> {
  const out: Record<string, unknown> = { value: n.value, original: n.original };
  if (n.flags.length > 0) out['flags'] = n.flags;
  const next: unknown[] = [...n.next];
  if (n.onbuild !== undefined) next.push({ children: [nodeJSON(n.onbuild)] });
  if (next.length > 0) out['next'] = next;
  if (n.heredocs.length > 0) out['heredocs'] = n.heredocs.map((h) => ({ name: h.name, fileDescriptor: h.fileDescriptor, expand: h.expand, chomp: h.chomp, content: h.content }));
  if (n.attributes.json) out['attributes'] = { json: true };
  out['startLine'] = n.startLine;
  out['endLine'] = n.endLine;
  if (n.prevComment.length > 0) out['prevComment'] = n.prevComment;
  return out;
}

interface Expected {
  file: string;
  ok: boolean;
  error?: string;
  escapeToken?: string;
  children?: unknown[];
  warnings?: string[];
  dump?: string;
}

function compareAll(dir: string): { total: number; failures: string[] } {
  const lines = readFileSync(path.join(dir, 'expected-buildkit-ast.jsonl'), 'utf8').trim().split('\n');
  const failures: string[] = [];
  for (const l of lines) {
    const exp = JSON.parse(l) as Expected;
    const text = readFileSync(path.join(dir, exp.file), 'utf8');
    let got: Expected;
    try {
      const r = parseDockerfile(text);
      got = { file: exp.file, ok: true, escapeToken: r.escapeToken, children: r.children.map(nodeJSON) };
      if (exp.warnings !== undefined) got.warnings = [...r.warnings];
      if (exp.dump !== undefined) got.dump = dumpResult(r).replace(/\n$/, '').split('\n').map((s) => s.slice(1, -1)).join('\n');
    } catch (err) {
      const d = dockerfileErrorDetail(err);
      if (d === undefined) throw err;
      got = { file: exp.file, ok: false, error: d.reason };
    }
    const want: Expected = { ...exp };
    if (want.dump !== undefined && got.dump !== undefined) {
      // BuildKit's dump field has no parentheses per line; normalise both the same way.
      want.dump = want.dump.split('\n').map((s) => s.replace(/^\(/, '').replace(/\)$/, '')).join('\n');
    }
    try {
      assert.deepEqual(got, want);
    } catch (e) {
      failures.push(`${exp.file}: ${(e as Error).message.slice(0, 1500)}`);
    }
  }
  return { total: lines.length, failures };
}

test('parseDockerfile agrees with BuildKit on all 38 parser test files', { skip: corporaSkip }, () => {
  const { total, failures } = compareAll(buildkitDir());
  assert.equal(total, 38);
  assert.deepEqual(failures, []);
});

test('parseDockerfile agrees with BuildKit on all 559 real-world Dockerfiles', { skip: corporaSkip }, () => {
  const { total, failures } = compareAll(realworldDir());
  assert.equal(total, 559);
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${total} differ`);
});

test('parseDockerfile dumps every BuildKit testfile exactly as its result file', { skip: corporaSkip }, () => {
  const root = path.join(buildkitDir(), 'testfiles');
  const failures: string[] = [];
  for (const name of readFileSync(path.join(buildkitDir(), 'FILES.txt'), 'utf8').trim().split('\n')) {
    if (!name.startsWith('testfiles/')) continue;
    const dir = path.join(buildkitDir(), path.dirname(name));
    if (!existsSync(path.join(dir, 'result'))) continue;
    const want = readFileSync(path.join(dir, 'result'), 'utf8');
    const got = dumpResult(parseDockerfile(readFileSync(path.join(dir, 'Dockerfile'), 'utf8')));
    if (got !== want) failures.push(`${name}\n--- got\n${got}--- want\n${want}`);
  }
  assert.ok(root.length > 0);
  assert.deepEqual(failures, []);
});

test('parseDockerfile rejects the four BuildKit negative cases', { skip: corporaSkip }, () => {
  for (const name of ['empty_dockerfile', 'env_no_value', 'only_comments', 'shykes-nested-json']) {
    const text = readFileSync(path.join(buildkitDir(), 'testfiles-negative', name, 'Dockerfile'), 'utf8');
    assert.throws(() => parseDockerfile(text), isInvalidArgument, name);
  }
});

test('parseDockerfile records the lines BuildKit records for testfile-line', { skip: corporaSkip }, () => {
  const r = parseDockerfile(readFileSync(path.join(buildkitDir(), 'testfile-line', 'Dockerfile'), 'utf8'));
  assert.deepEqual(r.children.map((n) => [n.startLine, n.endLine]), [[5, 5], [11, 12], [17, 31]]);
});

test('parseDockerfile errors name the file and the line', () => {
  assert.throws(() => parseDockerfile('FROM x\n\nENV onlykey\n'), { message: 'Dockerfile:3: ENV must have two arguments' });
  assert.throws(() => parseDockerfile('# just a comment\n', { file: 'app.Dockerfile' }), /app\.Dockerfile.*file with no instructions/);
});

test('parseDockerfile reads directives, heredocs and ONBUILD', () => {
  const r = parseDockerfile('# syntax=docker/dockerfile:1\n# escape=`\nFROM x\nRUN <<EOF `\n  && true\necho hi\nEOF\nONBUILD RUN echo `\n  there\n');
  assert.equal(r.escapeToken, '`');
  assert.equal(r.directives.syntax, 'docker/dockerfile:1');
  const run = r.children[1];
  assert.equal(run?.heredocs[0]?.content, 'echo hi\n');
  assert.equal(run?.endLine, 7);
  assert.equal(r.children[2]?.onbuild?.value, 'RUN');
});
