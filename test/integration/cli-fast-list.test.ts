// `berth ps` (`container ls|ps|list`) and `berth images` (`image ls|images|list`) run without commander where
// src/cli/fast-argv.ts takes the command line. The compiled CLI (bin/berth, fast
// path) and commander's path (src/cli/main.ts run from source, which never takes
// the fast path) must print the same stdout and stderr and exit with the same code,
// for command lines the fast path takes and for those it hands back, errors included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { useBusyboxDaemon } from './harness.ts';
import { repoRoot, run, type RunResult } from './acceptance-support.ts';
import { fastCommand } from '../../src/cli/fast-argv.ts';

const daemon = useBusyboxDaemon();
const mainTs = join(repoRoot, 'src', 'cli', 'main.ts');

/** Commander's path: main.ts from source on Node. */
function viaCommander(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return run(process.execPath, ['--import', 'tsx', mainTs, ...argv], { env, timeoutMs: 120_000 });
}

/** The table's ages ("2 seconds ago", "Up Less than a second") change between the two runs, and the columns' widths with them. */
const ageless = (r: RunResult): RunResult => ({
  ...r,
  stdout: r.stdout.replace(/(Less than a second|About a minute|\d+ (second|minute)s?)( ago)?/g, 'AGE').replace(/ {2,}/g, '  '),
});

async function assertSame(argv: readonly string[], env?: NodeJS.ProcessEnv): Promise<RunResult> {
  const e = { ...daemon().env, ...env };
  const fast = await daemon().berth(argv, { env: e });
  const ref = await viaCommander(argv, e);
  assert.deepEqual(ageless(fast), ageless(ref), `bin/berth and commander's path differ for ${JSON.stringify(argv)}`);
  return fast;
}

test('ps and images through the fast path print what commander\'s path prints', { timeout: 900_000 }, async () => {
  for (const [name, args] of [['fastps-up', ['-d', '--label', 'a=b']], ['fastps-done', []]] as const) {
    const r = await daemon().berth(['run', ...args, '--name', name, '--network', 'none', 'busybox', ...(name === 'fastps-up' ? ['sleep', '300'] : ['true'])]);
    assert.equal(r.code, 0, r.stderr);
  }
  const taken = [
    ['ps'], ['ps', '-a'], ['ps', '-aq'], ['ps', '--no-trunc', '-a'], ['ps', '-n', '1'], ['ps', '-l', '-q'], ['ps', '-s'], ['ps', '-as', '--format', '{{.Names}} {{.Size}}'],
    ['ps', '-a', '--format', 'table {{.Names}}\t{{.Status}}'], ['ps', '--format={{json .Labels}}'], ['ps', '-a', '-f', 'label=a=b', '--filter=status=running'],
    ['ps', '-af', 'name=fastps-done', '--format', '{{.Names}}'], ['container', 'ls', '-a', '--format', '{{.Image}}'], ['container', 'list', '-q'],
    ['-D', 'ps', '-q'], ['-l', 'error', 'ps', '-l', '--format', '{{.Names}}'],
    // failures while running: a template that does not parse or fails, a filter the daemon refuses
    ['ps', '--format', '{{.Names'], ['ps', '--format', '{{.Nope}}'], ['ps', '-f', 'bogus=1'],
  ];
  for (const argv of taken) {
    assert.ok(fastCommand(argv), `the fast path does not take ${JSON.stringify(argv)}`);
    const r = await assertSame(argv);
    if (argv.length === 1) assert.match(r.stdout, /^CONTAINER ID +IMAGE +COMMAND.*\n[0-9a-f]{12} +busybox .*fastps-up\n$/s);
  }
  const images = [
    ['images'], ['images', 'busybox'], ['images', '-a', 'busybox:latest', '--digests'], ['images', '-q'], ['images', '-q', '--no-trunc'],
    ['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'], ['images', '-f', 'reference=busy*'], ['images', 'nothing-like-it'], ['image', 'ls', '--format', '{{json .}}'],
    ['image', 'list', '-aq'], ['images', '--format', '{{.Nope}}'], ['images', '-f', 'bogus=1'],
  ];
  for (const argv of images) {
    assert.ok(fastCommand(argv), `the fast path does not take ${JSON.stringify(argv)}`);
    const r = await assertSame(argv);
    if (argv.length === 1) assert.match(r.stdout, /^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE\nbusybox +latest /);
  }
  const handedBack = [['images', 'a', 'b'], ['image', 'ls', '--help'], ['ps', 'extra'], ['ps', '-x'], ['ps', '--help'], ['ps', '-n'], ['container', 'ls', '--bogus']];
  for (const argv of handedBack) {
    assert.equal(fastCommand(argv), undefined, JSON.stringify(argv));
    const r = await assertSame(argv);
    assert.notEqual(argv.includes('--help') ? r.stdout : r.stderr, '');
  }
  // taken by the fast path, then handed back: a filter without `=` (docker's flag error with the use line),
  // an address that cannot be resolved
  const badFilter = await assertSame(['ps', '-f', 'novalue']);
  assert.equal(badFilter.code, 125);
  assert.match(badFilter.stderr, /^invalid argument "novalue" for "-f, --filter" flag: .*\n\nUsage: {2}berth ps \[OPTIONS\]/s);
  const badImageFilter = await assertSame(['image', 'ls', '-f', 'novalue']);
  assert.equal(badImageFilter.code, 125);
  assert.match(badImageFilter.stderr, /^invalid argument "novalue" for "-f, --filter" flag: .*\n\nUsage: {2}berth image ls \[OPTIONS\]/s);
  const conflicting = await assertSame(['-H', 'unix:///tmp/ps-fast-none.sock', '--context', 'other', 'ps']);
  assert.notEqual(conflicting.code, 0);
  const noContext = await assertSame(['--context', 'ps-fast-no-such-context', 'ps'], { DOCKER_CONFIG: '/tmp/ps-fast-no-config' });
  assert.notEqual(noContext.code, 0);
  // no daemon at the address
  const down = await assertSame(['ps'], { DOCKER_HOST: 'unix:///tmp/ps-fast-nothing-here.sock' });
  assert.match(down.stderr, /Cannot connect to the Docker daemon/);
  assert.equal(down.code, 1);
});
