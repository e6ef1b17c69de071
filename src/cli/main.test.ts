// Unit tests for berth's command line: flag parsing as docker does it, and
// docker's usage errors and exit codes. No daemon is contacted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from 'commander';
import { buildProgram, main } from './main.ts';

function parseRun(argv: string[]): Promise<{ image: string; command: string[]; opts: Record<string, unknown> }> {
  const program = buildProgram(argv);
  const run = program.commands.find((c: Command) => c.name() === 'run') as Command;
  return new Promise((resolve, reject) => {
    run.action((image: string, command: string[], opts: Record<string, unknown>) => resolve({ image, command, opts }));
    program.parseAsync(argv, { from: 'user' }).catch(reject);
  });
}

test('run collects repeated -e and -l, and leaves flags after the image to the command', async () => {
  const r = await parseRun(['run', '-d', '-e', 'A=1', '-e', 'B', '--env-file', 'f', '-l', 'x=y', '--rm', '-m', '512m', '--cpus', '1.5', 'busybox', 'sh', '-c', 'echo -e hi']);
  assert.equal(r.image, 'busybox');
  assert.deepEqual(r.command, ['sh', '-c', 'echo -e hi']);
  assert.deepEqual(r.opts['env'], ['A=1', 'B']);
  assert.deepEqual(r.opts['envFile'], ['f']);
  assert.deepEqual(r.opts['label'], ['x=y']);
  assert.equal(r.opts['detach'], true);
  assert.equal(r.opts['rm'], true);
  assert.equal(r.opts['memory'], '512m');
  assert.equal(r.opts['cpus'], '1.5');
});

test('run accepts combined short flags and -h as the hostname', async () => {
  const r = await parseRun(['run', '-it', '-h', 'box', '--name', 'n', 'busybox']);
  assert.equal(r.opts['interactive'], true);
  assert.equal(r.opts['tty'], true);
  assert.equal(r.opts['hostname'], 'box');
  assert.deepEqual(r.command, []);
});

async function capture(argv: string[]): Promise<{ code: number; stderr: string }> {
  const write = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stderr.write = ((s: string) => { stderr += s; return true; }) as typeof process.stderr.write;
  try {
    const code = await main(argv);
    return { code, stderr };
  } finally {
    process.stderr.write = write;
  }
}

test('an unknown flag is a usage error with exit code 125', async () => {
  const r = await capture(['ps', '-x']);
  assert.equal(r.code, 125);
  assert.equal(r.stderr, "unknown shorthand flag: 'x' in -x\n\nUsage:  berth ps [OPTIONS]\n\nRun 'berth ps --help' for more information\n");
  const r2 = await capture(['run', '--foo', 'busybox']);
  assert.equal(r2.code, 125);
  assert.match(r2.stderr, /^unknown flag: --foo\n\nUsage: {2}berth run \[OPTIONS\] IMAGE \[COMMAND\] \[ARG\.\.\.\]\n/);
});

test('a missing argument is reported as docker does, with exit code 1', async () => {
  const r = await capture(['run']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "berth: 'berth run' requires at least 1 argument\n\nUsage:  berth run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nSee 'berth run --help' for more information\n");
});

test('an unknown command names itself', async () => {
  const r = await capture(['frobnicate']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "berth: unknown command: berth frobnicate\n\nRun 'berth --help' for more information\n");
});
