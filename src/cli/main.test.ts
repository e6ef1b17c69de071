// Unit tests for berth's command line: flag parsing as docker does it, and
// docker's usage errors and exit codes. No daemon is contacted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Command } from 'commander';
import { stderrStream } from '../cli-kit/index.ts';
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
  // berth writes text with write(2) until a stream is made; made here, stderr's text goes through it.
  stderrStream();
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

/**
 * Runs berth's CLI from source in a child (the test runner reports through this
 * process's stdout, so it is not captured here), against a socket nobody
 * answers on: the help asks the daemon what it serves.
 */
async function captureAll(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const main = new URL('./main.ts', import.meta.url).pathname;
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: 'unix:///nonexistent/berth-unit-test.sock', BERTH_NO_AUTOSTART: '1' };
  delete env['DOCKER_API_VERSION'];
  const r = spawnSync(process.execPath, ['--import', 'tsx', main, ...argv], { env, encoding: 'utf8', input: '' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test("--help prints docker's help text on stdout; a group without its command prints it on stderr", async () => {
  const r = await captureAll(['pause', '--help']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'Usage:  berth pause CONTAINER [CONTAINER...]\n\nPause all processes within one or more containers\n\nAliases:\n  berth container pause, berth pause\n');
  const g = await captureAll(['network']);
  assert.equal(g.code, 0);
  assert.equal(g.stdout, '');
  assert.match(g.stderr, /^Usage: {2}berth network COMMAND\n\nManage networks\n\nCommands:\n {2}connect {5}Connect a container to a network\n/);
  const h = await captureAll(['help', 'nosuch']);
  assert.equal(h.code, 1);
  assert.equal(h.stderr, 'unknown help topic: nosuch\n');
});

test('argument counts are checked as docker checks them, with its texts (and its "SRun" typo)', async () => {
  const exec = await captureAll(['exec', 'x1']);
  assert.equal(exec.code, 1);
  assert.equal(exec.stderr, "berth: 'berth exec' requires at least 2 arguments\n\nUsage:  berth exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\nSee 'berth exec --help' for more information\n");
  const tag = await captureAll(['tag', 'busybox']);
  assert.equal(tag.stderr, "berth: 'berth tag' requires 2 arguments\n\nUsage:  berth tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n\nRun 'berth tag --help' for more information\n");
  const images = await captureAll(['images', 'a', 'b']);
  assert.equal(images.stderr, "berth: 'berth images' requires at most 1 argument\n\nUsage:  berth images [OPTIONS] [REPOSITORY[:TAG]]\n\nSRun 'berth images --help' for more information\n");
  const port = await captureAll(['port']);
  assert.equal(port.stderr, "berth: 'berth port' requires at least 1 and at most 2 arguments\n\nUsage:  berth port CONTAINER [PRIVATE_PORT[/PROTO]]\n\nRun 'berth port --help' for more information\n");
  const ps = await captureAll(['ps', 'x']);
  assert.equal(ps.stderr, "berth: 'berth ps' accepts no arguments\n\nUsage:  berth ps [OPTIONS]\n\nRun 'berth ps --help' for more information\n");
  for (const r of [tag, images, port, ps]) assert.equal(r.code, 1);
});

test('run refuses a bad port without the use line, and --rm with --restart in docker v28 words', async () => {
  const p = await captureAll(['run', '-p', 'abc', 'busybox']);
  assert.equal(p.code, 125);
  assert.equal(p.stderr, "berth: invalid containerPort: abc\n\nRun 'berth run --help' for more information\n");
  const rm = await captureAll(['run', '--rm', '--restart', 'always', 'busybox']);
  assert.equal(rm.code, 125);
  assert.equal(rm.stderr, "berth: conflicting options: cannot specify both --restart and --rm\n\nRun 'berth run --help' for more information\n");
});
