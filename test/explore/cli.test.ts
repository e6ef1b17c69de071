// The berth CLI against berthd, compared with the docker CLI (v28) against a
// private dockerd (the oracle): the same commands must print the same thing
// (with "berth" read as "docker") and exit with the same code, after masking
// only ids, digests, times and sizes (and the column padding they change).
// Both engines hold the same busybox image with the same id: dockerd imports
// it, and berthd loads dockerd's `docker save` of it.
//
// Each command is also run with the berth CLI against dockerd; that result is
// compared, unmasked, with the docker CLI's against dockerd. That part checks
// berth's CLI rendering against the docker CLI's on the same daemon, not the
// daemon. Without dockerd (or as non-root) the tests fail: they never skip.
import { after, before, test } from 'node:test';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { berthBin, run, sh, q, startPrivateDockerd, type PrivateDockerd, type RunResult } from '../integration/acceptance-support.ts';
import { ensureBusybox, startDaemon, type Daemon } from '../integration/harness.ts';
import { mask } from '../clients/mask.ts';


const dockerCli = '/usr/local/bin/docker';
/** Both engines are driven at the oracle's newest API version, so that both CLIs speak the same one. */
const apiVersion = '1.41';

let oracle: PrivateDockerd | undefined;
let daemon: Daemon | undefined;
let config = '';

type Stack = 'docker→dockerd' | 'berth→berthd' | 'berth→dockerd';

function envFor(socket: string): NodeJS.ProcessEnv {
  return { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_API_VERSION: apiVersion, DOCKER_CONFIG: config, DOCKER_CLI_HINTS: 'false', BERTH_NO_AUTOSTART: '1' };
}

function sockets(): { dockerd: string; berthd: string } {
  if (!oracle || !daemon) throw new Error('the private dockerd or berthd did not start (see the before hook)');
  return { dockerd: oracle.socket, berthd: daemon.socket };
}

/** Runs one command on one stack; the berth CLI's "berth" is read as "docker". */
async function on(stack: Stack, args: readonly string[], input?: string | Buffer): Promise<RunResult> {
  const s = sockets();
  if (stack === 'docker→dockerd') return run(dockerCli, args, { env: envFor(s.dockerd), ...(input === undefined ? {} : { input }) });
  const r = await run(berthBin, args, { env: envFor(stack === 'berth→berthd' ? s.berthd : s.dockerd), ...(input === undefined ? {} : { input }) });
  const fix = (t: string) => t.replaceAll('berth', 'docker');
  return { code: r.code, stdout: fix(r.stdout), stderr: fix(r.stderr) };
}

/** ids, digests, times and sizes masked; runs of spaces (table padding, which they change) made one. */
const masked = (s: string) => mask(s).replace(/ {2,}/g, '  ');

/** Human times only ("1 second ago", "Up Less than a second"): they tick between two runs on one daemon. */
const timeless = (s: string) => s
  .replace(/\b(?:Less than a second|About an? (?:minute|hour)|\d+ (?:second|minute|hour)s?)\b/g, '<duration>')
  .replace(/ {2,}/g, '  ');

/**
 * Where dockerd 20.10 (the oracle) and current dockerd word an answer
 * differently, berthd (API 1.47) follows current dockerd, as
 * docs/compatibility.md lists: the oracle's text is read as the current one.
 */
function asCurrentDockerd(s: string): string {
  return s
    // 20.10 doubles a missing image's text on inspect.
    .replace(/no such image: [^:\n]+(?::[^:\n]+)?: (No such image: )/g, '$1')
    // dockerd 23 and later put "failed to create task for container: " before the runtime's message.
    .replace(/(Error response from daemon: )(failed to create shim task: )/g, '$1failed to create task for container: $2');
}

function assertSame(a: RunResult, b: RunResult, what: string, normalize: (s: string) => string): void {
  assert.equal(b.code, a.code, `exit code of ${what}\n oracle: ${a.stderr}\n other: ${b.stderr}`);
  assert.equal(normalize(b.stdout), normalize(a.stdout), `stdout of ${what}`);
  assert.equal(normalize(b.stderr), normalize(a.stderr), `stderr of ${what}`);
}

interface SameOptions {
  readonly normalize?: (s: string) => string;
  readonly input?: string | Buffer;
  /**
   * The command changes the daemon's state (run, stop, rm, tag…): it cannot be
   * typed twice on dockerd, so only berth→berthd is compared with the oracle.
   */
  readonly mutates?: boolean;
}

/**
 * Runs `args` as docker→dockerd (the oracle), berth→berthd (compared after
 * masking) and, unless it mutates, berth→dockerd (compared unmasked: that
 * checks berth's CLI rendering against the docker CLI's on the same daemon).
 */
async function same(args: readonly string[], options: SameOptions = {}): Promise<RunResult> {
  const { normalize = (s: string) => s, input, mutates = false } = options;
  const d = await on('docker→dockerd', args, input);
  if (!mutates) {
    const cli = await on('berth→dockerd', args, input);
    assertSame(d, cli, `${args.join(' ')} (berth's CLI rendering, both CLIs against dockerd)`, (s) => timeless(normalize(s)));
  }
  const b = await on('berth→berthd', args, input);
  assertSame(d, b, `${args.join(' ')} (berth→berthd vs docker→dockerd)`, (s) => masked(asCurrentDockerd(normalize(s))));
  return d;
}

before(async () => {
  config = mkdtempSync('/tmp/berth-test-cli-config-');
  const started = await Promise.allSettled([startPrivateDockerd(), startDaemon()]);
  if (started[0].status === 'fulfilled') oracle = started[0].value;
  if (started[1].status === 'fulfilled') daemon = started[1].value;
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) throw new Error(`the engines did not start: ${String((failed as PromiseRejectedResult).reason)}`);
  // The same image on both: imported into dockerd, loaded into berthd from dockerd's save.
  await ensureBusybox(oracle!);
  const loaded = await sh(`${q(dockerCli)} save busybox:latest | DOCKER_HOST=${q(`unix://${sockets().berthd}`)} ${q(berthBin)} load`, { env: envFor(sockets().dockerd), timeoutMs: 120_000 });
  assert.equal(loaded.code, 0, `docker save | berth load: ${loaded.stderr}`);
});

after(async () => {
  await Promise.allSettled([oracle?.stop(), daemon?.stop()]);
  if (config) rmSync(config, { recursive: true, force: true });
});


const problems: string[] = [];
async function probe(args: readonly string[], options: SameOptions = {}): Promise<void> {
  try { await same(args, options); } catch (e) { problems.push(`${args.join(' ')}: ${(e as Error).message.slice(0, 1500)}`); }
}

test('explore CLI rendering', { timeout: 900_000 }, async () => {
  for (const target of ['docker→dockerd', 'berth→berthd'] as const) {
    await on(target, ['create', '--name', 'x1', '-p', '127.0.0.1:18380:80', '--label', 'a=b', 'busybox', 'sleep', '100']);
    await on(target, ['network', 'create', 'xnet']);
    await on(target, ['volume', 'create', 'xvol']);
    await on(target, ['tag', 'busybox', 'xtag:1']);
  }
  const cmds: string[][] = [
    ['ps', '-a'], ['ps', '-a', '--no-trunc'], ['ps', '-a', '-s'], ['ps', '-a', '--format', 'table {{.ID}}\t{{.Names}}\t{{.Labels}}'], ['ps', '-a', '--format', 'json'], ['ps', '-aq'], ['ps', '-a', '-n', '1'], ['container', 'ls', '-a'], ['container', 'list', '-a'],
    ['images', '--format', 'json'], ['images', '--filter', 'dangling=true'], ['images', '-a'], ['image', 'ls'], ['images', 'xtag'], ['images', '--format', 'table {{.Repository}}\t{{.Tag}}'],
    ['network', 'ls'], ['network', 'ls', '--no-trunc'], ['network', 'ls', '--format', 'json'], ['network', 'inspect', 'xnet'], ['network', 'inspect', 'nope'], ['network', 'rm', 'nope'],
    ['volume', 'ls'], ['volume', 'ls', '--format', 'json'], ['volume', 'inspect', 'xvol'], ['volume', 'inspect', 'nope'],
    ['inspect', 'x1'], ['container', 'inspect', '-s', 'x1'], ['port', 'x1'], ['inspect', 'nope'], ['inspect', '--type', 'volume', 'xvol'], ['image', 'inspect', 'xtag:1'],
    ['history', '--format', 'json', 'busybox'], ['image', 'history', '-q', 'busybox'],
    ['system', 'df'], ['system', 'df', '--format', 'json'],
    ['logs', 'x1'], ['diff', 'x1'], ['top', 'x1'], ['stats', '--no-stream', 'x1'], ['wait', 'nope'], ['start', 'nope'], ['stop', 'nope'], ['restart', 'nope'], ['pause', 'x1'], ['unpause', 'x1'], ['rename', 'nope', 'y'], ['update', '--cpus', '1', 'nope'], ['exec', 'x1', 'true'], ['attach', 'x1'], ['export', 'nope'], ['cp', 'nope:/x', '/tmp'], ['commit', 'nope'],
    ['run'], ['run', '--nope', 'busybox'], ['create'], ['rm'], ['rmi'], ['tag', 'busybox'], ['exec', 'x1'], ['logs'], ['nosuchcommand'], ['ps', '--filter', 'nope=1'], ['run', '-p', 'abc', 'busybox'], ['run', '--memory', 'lots', 'busybox'], ['run', '-v', ':', 'busybox'], ['run', '--restart', 'sometimes', 'busybox'], ['run', '--rm', '--restart', 'always', 'busybox'], ['run', '-d', '--rm', '-it', '--name', 'x1', 'busybox'],
    ['version', '--format', '{{.Client.APIVersion}}'], ['info', '--format', '{{.Images}}'],
    ['events', '--since', '0s', '--until', '0s'],
    ['container', 'prune', '--help'], ['run', '--help'], ['ps', '--help'], ['build', '--help'], ['network', 'create', '--help'], ['volume', '--help'], ['compose', '--help'], ['system', '--help'], ['image', '--help'], ['container', '--help'], ['--help'], ['exec', '--help'], ['logs', '--help'], ['cp', '--help'], ['stats', '--help'], ['login', '--help'], ['push', '--help'], ['pull', '--help'], ['save', '--help'], ['load', '--help'], ['inspect', '--help'], ['tag', '--help'], ['rmi', '--help'], ['events', '--help'], ['update', '--help'], ['wait', '--help'], ['top', '--help'], ['port', '--help'], ['rename', '--help'], ['diff', '--help'], ['commit', '--help'], ['export', '--help'], ['import', '--help'], ['history', '--help'], ['kill', '--help'], ['stop', '--help'], ['start', '--help'], ['restart', '--help'], ['pause', '--help'], ['attach', '--help'], ['create', '--help'], ['network', 'connect', '--help'], ['volume', 'create', '--help'], ['system', 'prune', '--help'], ['image', 'prune', '--help'], ['builder', 'prune', '--help'], ['search', '--help'], ['version', '--help'], ['info', '--help'], ['logout', '--help'],
  ];
  for (const c of cmds) await probe(c);
  for (const target of ['docker→dockerd', 'berth→berthd'] as const) await on(target, ['rm', '-f', 'x1']);
  require('node:fs').writeFileSync('/tmp/cli-explore.txt', problems.join('\n\n====\n'));
  assert.equal(problems.length, 0, `${problems.length} differ`);
});
