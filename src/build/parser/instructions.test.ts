// parseInstructions against BuildKit's typed parse of every corpus file
// (expected-buildkit-instructions.jsonl: stages, commands, RUN mounts, lint),
// plus the instructions the corpora do not exercise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseInstructions } from './instructions.ts';
import { dockerfileErrorDetail } from './errors.ts';
import type { ArgCommand, Command, Instructions, Mount, Stage } from './ast.ts';
import { isInvalidArgument } from '../../core/index.ts';
import { buildkitDir, corporaSkip, realworldDir } from './corpora.test-helper.ts';

const nilIfEmpty = <T>(xs: readonly T[]): readonly T[] | null => (xs.length === 0 ? null : xs);

function mountJSON(m: Mount): Record<string, unknown> {
  return {
    Type: m.type, From: m.from, Source: m.source, Target: m.target, ReadOnly: m.readOnly, SizeLimit: m.sizeLimit,
    CacheID: m.cacheId, CacheSharing: m.cacheSharing, Required: m.required, Env: m.env ?? null,
    Mode: m.mode ?? null, UID: m.uid ?? null, GID: m.gid ?? null,
  };
}

function argsJSON(c: ArgCommand): Record<string, unknown> {
  return { Args: c.args.map((a) => ({ Key: a.key, Value: a.value ?? null, DocComment: a.docComment })) };
}

/** A command in the JSON shape BuildKit's instructions marshal to. */
function commandJSON(c: Command): Record<string, unknown> {
  const files = (fs: Extract<Command, { kind: 'RUN' }>['files']) =>
    nilIfEmpty(fs.map((f) => ({ Name: f.name, Data: f.data, Chomp: f.chomp })));
  const contents = (c: Extract<Command, { kind: 'COPY' | 'ADD' }>) =>
    nilIfEmpty(c.sourceContents.map((s) => ({ Path: s.path, Data: s.data, Expand: s.expand })));
  switch (c.kind) {
    case 'ENV': return { type: 'EnvCommand', cmd: { Env: c.env.map((p) => ({ Key: p.key, Value: p.value, NoDelim: p.noDelim })) } };
    case 'LABEL': return { type: 'LabelCommand', cmd: { Labels: c.labels.map((p) => ({ Key: p.key, Value: p.value, NoDelim: p.noDelim })) } };
    case 'RUN': {
      const out: Record<string, unknown> = {
        type: 'RunCommand',
        cmd: { CmdLine: c.cmdLine, Files: files(c.files), PrependShell: c.prependShell, FlagsUsed: c.flagsUsed },
      };
      if (c.mounts.length > 0) out['mounts'] = c.mounts.map(mountJSON);
      out['network'] = c.network;
      out['security'] = c.security;
      return out;
    }
    case 'CMD': return { type: 'CmdCommand', cmd: { CmdLine: c.cmdLine, Files: files(c.files), PrependShell: c.prependShell } };
    case 'ENTRYPOINT': return { type: 'EntrypointCommand', cmd: { CmdLine: nilIfEmpty(c.cmdLine), Files: files(c.files), PrependShell: c.prependShell } };
    case 'COPY': return {
      type: 'CopyCommand',
      cmd: {
        DestPath: c.dest, SourcePaths: nilIfEmpty(c.sources), SourceContents: contents(c), From: c.from, Chown: c.chown, Chmod: c.chmod,
        Link: c.link, ExcludePatterns: nilIfEmpty(c.exclude), Parents: c.parents,
      },
    };
    case 'ADD': return {
      type: 'AddCommand',
      cmd: {
        DestPath: c.dest, SourcePaths: nilIfEmpty(c.sources), SourceContents: contents(c), Chown: c.chown, Chmod: c.chmod, Link: c.link,
        ExcludePatterns: nilIfEmpty(c.exclude), KeepGitDir: c.keepGitDir ?? null, Checksum: c.checksum, Unpack: c.unpack ?? null,
      },
    };
    case 'ARG': return { type: 'ArgCommand', cmd: argsJSON(c) };
    case 'EXPOSE': return { type: 'ExposeCommand', cmd: { Ports: c.ports } };
    case 'VOLUME': return { type: 'VolumeCommand', cmd: { Volumes: c.volumes } };
    case 'WORKDIR': return { type: 'WorkdirCommand', cmd: { Path: c.path } };
    case 'ONBUILD': return { type: 'OnbuildCommand', cmd: { Expression: c.expression } };
    case 'USER': return { type: 'UserCommand', cmd: { User: c.user } };
    case 'SHELL': return { type: 'ShellCommand', cmd: { Shell: c.shell } };
    case 'STOPSIGNAL': return { type: 'StopSignalCommand', cmd: { Signal: c.signal } };
    case 'MAINTAINER': return { type: 'MaintainerCommand', cmd: { Maintainer: c.maintainer } };
    case 'HEALTHCHECK': return { type: 'HealthCheckCommand', cmd: { Health: { Test: c.test } } };
  }
}

function stageJSON(s: Stage): Record<string, unknown> {
  const out: Record<string, unknown> = { name: s.name, origCmd: s.origCmd, baseName: s.baseName };
  if (s.platform !== '') out['platform'] = s.platform;
  if (s.docComment !== '') out['docComment'] = s.docComment;
  out['commands'] = nilIfEmpty(s.commands.map(commandJSON));
  out['startLine'] = s.startLine;
  return out;
}

function resultJSON(file: string, r: Instructions): Record<string, unknown> {
  const out: Record<string, unknown> = { file, ok: true };
  if (r.metaArgs.length > 0) out['metaArgs'] = r.metaArgs.map(argsJSON);
  out['stages'] = r.stages.map(stageJSON);
  if (r.lint.length > 0) out['lint'] = r.lint.map((l) => `${l.rule}:${l.line}: ${l.message}`);
  return out;
}

/** BuildKit prefixes: "parse: X" (AST level) or "instructions: dockerfile parse error on line N: X". */
function expectedReason(error: string): string {
  return error.replace(/^(parse|instructions): /, '').replace(/^dockerfile parse error on line \d+: /, '');
}

function compareAll(dir: string): { total: number; failures: string[] } {
  const lines = readFileSync(path.join(dir, 'expected-buildkit-instructions.jsonl'), 'utf8').trim().split('\n');
  const failures: string[] = [];
  for (const l of lines) {
    const exp = JSON.parse(l) as Record<string, unknown> & { file: string; ok: boolean; error?: string };
    const text = readFileSync(path.join(dir, exp.file), 'utf8');
    let got: Record<string, unknown>;
    let want: Record<string, unknown> = exp;
    try {
      got = resultJSON(exp.file, parseInstructions(text));
    } catch (err) {
      const d = dockerfileErrorDetail(err);
      if (d === undefined) throw err;
      got = { file: exp.file, ok: false, error: d.reason };
      if (exp.error !== undefined) want = { file: exp.file, ok: false, error: expectedReason(exp.error) };
    }
    try {
      assert.deepEqual(got, want);
    } catch (e) {
      failures.push(`${exp.file}: ${(e as Error).message.slice(0, 2000)}`);
    }
  }
  return { total: lines.length, failures };
}

test('parseInstructions agrees with BuildKit on all 38 parser test files', { skip: corporaSkip }, () => {
  const { total, failures } = compareAll(buildkitDir());
  assert.equal(total, 38);
  assert.deepEqual(failures, []);
});

test('parseInstructions agrees with BuildKit on all 559 real-world Dockerfiles', { skip: corporaSkip }, () => {
  const { total, failures } = compareAll(realworldDir());
  assert.equal(total, 559);
  assert.deepEqual(failures.slice(0, 3), [], `${failures.length} of ${total} differ`);
});

test('parseInstructions names the line of an unknown instruction and suggests a fix', () => {
  assert.throws(() => parseInstructions('FROM busybox\n\nFOM x\n'), { message: 'Dockerfile:3: unknown instruction: FOM (did you mean FROM?)' });
  assert.throws(() => parseInstructions('FROM busybox\nCOPY --user=me a b\n'), { message: 'Dockerfile:2: unknown flag: --user' });
  assert.throws(() => parseInstructions('RUN true\n'), isInvalidArgument);
});

test('parseInstructions types HEALTHCHECK, SHELL, COPY --from and ARG before FROM', () => {
  const r = parseInstructions([
    'ARG BASE=debian:bookworm',
    'FROM --platform=linux/amd64 $BASE AS build',
    'HEALTHCHECK --interval=30s --timeout=5s --start-period=1m --start-interval=2s --retries=3 CMD curl -f http://localhost/',
    'SHELL ["/bin/bash", "-c"]',
    'FROM scratch',
    'COPY --from=build --chmod=755 --link --exclude=*.md /out/ /bin/',
    'HEALTHCHECK NONE',
    'RUN --mount=type=secret,id=tok,required --network=none cat /run/secrets/tok',
    '',
  ].join('\n'));
  assert.deepEqual(r.metaArgs[0]?.args, [{ key: 'BASE', value: 'debian:bookworm', docComment: '' }]);
  const [build, final] = r.stages;
  assert.equal(build?.name, 'build');
  assert.equal(build?.platform, 'linux/amd64');
  const hc = build?.commands[0];
  assert.equal(hc?.kind, 'HEALTHCHECK');
  if (hc?.kind === 'HEALTHCHECK') {
    assert.deepEqual(hc.test, ['CMD-SHELL', 'curl -f http://localhost/']);
    assert.equal(hc.interval, 30e9);
    assert.equal(hc.timeout, 5e9);
    assert.equal(hc.startPeriod, 60e9);
    assert.equal(hc.startInterval, 2e9);
    assert.equal(hc.retries, 3);
  }
  const copy = final?.commands[0];
  assert.equal(copy?.kind, 'COPY');
  if (copy?.kind === 'COPY') {
    assert.equal(copy.from, 'build');
    assert.equal(copy.chmod, '755');
    assert.equal(copy.link, true);
    assert.deepEqual(copy.exclude, ['*.md']);
  }
  assert.deepEqual(final?.commands[1]?.kind === 'HEALTHCHECK' ? final.commands[1].test : undefined, ['NONE']);
  const run = final?.commands[2];
  assert.equal(run?.kind === 'RUN' ? run.network : undefined, 'none');
  assert.equal(run?.kind === 'RUN' ? run.mounts[0]?.required : undefined, true);
});

test('parseInstructions reads several heredocs, <<- chomping and quoted delimiters', () => {
  const text = [
    'FROM busybox',
    'COPY <<-EOT1 <<"EOT2" /dest/',
    '\tfirst $HOME',
    '\tEOT1',
    'second $HOME',
    'EOT2',
    'RUN 3<<EOF cat /proc/self/fd/3 \\',
    '  # a comment inside the continuation',
    '  && echo done',
    'data',
    'EOF',
    '',
  ].join('\r\n');
  const [stage] = parseInstructions(text).stages;
  const copy = stage?.commands[0];
  assert.equal(copy?.kind, 'COPY');
  if (copy?.kind === 'COPY') {
    assert.deepEqual(copy.sourceContents, [
      { path: 'EOT1', data: 'first $HOME\r\n', expand: true },
      { path: 'EOT2', data: 'second $HOME\r\n', expand: false },
    ]);
    assert.deepEqual(copy.sources, []);
    assert.equal(copy.dest, '/dest/');
  }
  const run = stage?.commands[1];
  assert.equal(run?.kind, 'RUN');
  if (run?.kind === 'RUN') {
    assert.deepEqual(run.cmdLine, ['3<<EOF cat /proc/self/fd/3   && echo done']);
    assert.deepEqual(run.files, [{ name: 'EOF', data: 'data\r\n', expand: true, chomp: false }]);
    assert.equal(run.startLine, 7);
    assert.equal(run.endLine, 11);
  }
});
