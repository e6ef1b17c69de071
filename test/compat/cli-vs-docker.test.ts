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
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { berthBin, run, sh, q, startPrivateDockerd, type PrivateDockerd, type RunResult } from '../integration/acceptance-support.ts';
import { ensureBusybox, startDaemon, type Daemon } from '../integration/harness.ts';
import { mask } from '../clients/mask.ts';
import { archiveImages } from './archive-images.ts';
import { commandPaths } from './command-paths.ts';

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
    .replace(/(Error response from daemon: )(failed to create shim task: )/g, '$1failed to create task for container: $2')
    // dockerd 25 and later name the policies it knows.
    .replace(/invalid restart policy '([^']*)'/g, "invalid restart policy: unknown policy '$1'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'");
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

const opts = { concurrency: false, timeout: 180_000 } as const;

test('ps, images and history print the same tables on berth as on docker', opts, async () => {
  await same(['ps']);
  await same(['ps', '-a']);
  await same(['images']);
  await same(['images', '--digests']);
  await same(['images', '-q']);
  await same(['history', 'busybox']);
  await same(['history', '--no-trunc', 'busybox']);
  await same(['history', '-H=false', 'busybox']);
});

test('run prints the container output and exits with its code on berth as on docker', opts, async () => {
  await same(['run', '--rm', '--network', 'none', 'busybox', 'echo', 'hello']);
  await same(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'exit 3']);
  await same(['run', '--rm', '--network', 'none', '-e', 'A=1', '-w', '/tmp', '-u', '1:2', '--hostname', 'hh', 'busybox', 'sh', '-c', 'echo $A; pwd; id; hostname']);
  await same(['run', '--rm', '--network', 'none', '--entrypoint', 'echo', 'busybox', 'hi', 'there']);
  await same(['run', '--rm', '--network', 'none', '-i', 'busybox', 'cat'], { input: 'piped input\n' });
});

test('run maps start failures to 126 and 127 and daemon errors to 125 on berth as on docker', opts, async () => {
  await same(['run', '--rm', '--network', 'none', 'busybox', 'nosuchcmd']);
  await same(['run', '--rm', '--network', 'none', 'busybox', '/']);
  await same(['run', '--rm', '-m', 'xx', 'busybox', 'true']);
  // Pulling needs Docker Hub, which this machine cannot reach: the two engines fail to reach it in their own words.
  const r = await same(['run', '--rm', 'nosuchimage'], { normalize: (s) => s.replace(/Error response from daemon: .*/, 'Error response from daemon: …') });
  assert.equal(r.code, 125);
});

test('a detached container shows up in ps, stops with 137 and is removed, on berth as on docker', opts, async () => {
  const id = await same(['run', '-d', '--network', 'none', '--name', 'cmp-w', '-l', 'k=v', 'busybox', 'sleep', '1000'], { mutates: true });
  assert.match(id.stdout, /^[0-9a-f]{64}\n$/);
  await same(['ps', '--format', '{{.Names}} {{.State}} {{.Label "k"}} {{.Command}}']);
  await same(['ps']);
  await same(['stop', '-t', '1', 'cmp-w'], { mutates: true });
  await same(['inspect', '-f', '{{.State.ExitCode}} {{.Name}} {{.State.Status}} {{.Config.Labels}} {{.State.Running}}', 'cmp-w']);
  await same(['wait', 'cmp-w']);
  const table = await same(['ps', '-a']);
  assert.match(table.stdout, /Exited \(137\)/);
  await same(['rm', 'cmp-w'], { mutates: true });
  await same(['ps', '-a']);
});

test('errors for missing objects match docker word for word', opts, async () => {
  for (const args of [['rm', 'nosuch'], ['stop', 'nosuch'], ['start', 'nosuch'], ['inspect', 'nosuch'],
    ['inspect', '--type', 'image', 'nosuch'], ['rmi', 'nosuch'], ['tag', 'nosuch', 'foo'], ['logs', 'nosuch'], ['wait', 'nosuch'],
    ['history', 'nosuch'], ['rm', '-f', 'nosuch'], ['ps', '--format', '{{.Nope}}'], ['ps', '-x'], ['run'], ['run', '--foo', 'busybox']]) {
    await same(args);
  }
});

test('kill of a missing container says "Cannot kill container: <name>: No such container" as dockerd does', opts, async () => {
  await same(['kill', 'nosuch']);
});

test('inspect --format covers fields, json, range and index on berth as on docker', opts, async () => {
  await same(['inspect', '-f', '{{.Config.Cmd}} {{json .Config.Env}}', 'busybox']);
  await same(['inspect', '-f', '{{range .Config.Env}}{{.}}{{end}}', 'busybox']);
  await same(['inspect', '-f', '{{index .Config.Labels "x"}}', 'busybox']);
  await same(['inspect', '-f', '{{.Nope}}', 'busybox']);
  await same(['inspect', '-f', '{{.Id}} {{.RepoTags}} {{.Os}} {{.Architecture}} {{.Comment}} {{.Author}}', 'busybox']);
  await same(['inspect', '-f', '{{json .RootFS}} {{json .Config.Cmd}} {{json .Config.Entrypoint}}', 'busybox']);
});

test('inspect --format prints an unset list field as [] as the docker CLI does (its typed nil slice)', opts, async () => {
  await same(['inspect', '-f', '{{.Config.Entrypoint}}|{{.Config.OnBuild}}', 'busybox']);
});

test('tag and rmi print what docker prints', opts, async () => {
  await same(['tag', 'busybox', 'cmp-bb:v1'], { mutates: true });
  // The docker CLI prints the repositories of one image in Go's map order (formatter/image.go ranges
  // over a map of repository → tags), which changes from run to run: the lines are compared as a set.
  const lines = (s: string) => s.split('\n').filter(Boolean).sort().join('\n');
  await same(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'], { normalize: lines });
  await same(['rmi', 'cmp-bb:v1'], { mutates: true });
  await same(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']);
});

test('berth save (berthd) holds the same images as docker save (dockerd) of the same image', opts, async () => {
  // dockerd 20.10 writes the legacy layout (<v1 id>/layer.tar); berth writes the
  // one docker 25 and later write (an OCI layout with manifest.json), so the
  // bytes differ on purpose. What the archives hold is compared: per image its
  // tags, config bytes and layer bytes.
  await same(['tag', 'busybox', 'cmp-bb:v2'], { mutates: true });
  const s = sockets();
  const saved = await archiveOf(berthBin, s.berthd, ['save', 'busybox', 'cmp-bb:v2']);
  const dsaved = await archiveOf(dockerCli, s.dockerd, ['save', 'busybox', 'cmp-bb:v2']);
  const [mine, theirs] = await Promise.all([archiveImages(saved), archiveImages(dsaved)]);
  assert.equal(theirs.length, 1, 'docker save wrote one image with two tags');
  assert.deepEqual(mine, theirs);
  // berth's CLI rendering only: against dockerd, berth save streams dockerd's archive byte for byte.
  const passed = await archiveOf(berthBin, s.dockerd, ['save', 'busybox', 'cmp-bb:v2']);
  assert.ok(passed.equals(dsaved), 'berth save against dockerd streams the bytes docker save gets from dockerd');
  // Loading dockerd's archive prints the same lines on both engines.
  await same(['load'], { input: dsaved });
});

/** `cli args` against a daemon, stdout as bytes. */
async function archiveOf(cli: string, socket: string, args: readonly string[]): Promise<Buffer> {
  const file = join(config, `save-${Math.random().toString(36).slice(2)}.tar`);
  const r = await sh(`${q(cli)} ${args.map(q).join(' ')} > ${q(file)}`, { env: envFor(socket), timeoutMs: 120_000 });
  assert.equal(r.code, 0, `${cli} ${args.join(' ')}: ${r.stderr}`);
  return readFile(file);
}


test("--help shows what the daemon can serve, as docker's does after asking it (every command)", opts, async () => {
  // docker has `images --tree` (API 1.47): hidden by both at 1.41.
  for (const path of commandPaths()) await same([...path, '--help'], { normalize: (s) => s.replace(/^DEPRECATED: The legacy builder[\s\S]*?buildx\/\n\n/, '') });
  // Without DOCKER_API_VERSION the CLIs settle on the lower of theirs and the daemon's (dockerd 20.10: 1.41).
  const s = sockets();
  const env = { ...envFor(s.dockerd) };
  delete env['DOCKER_API_VERSION'];
  for (const path of [['run'], ['volume', 'create'], ['images'], ['start'], ['build']]) {
    const d = await run(dockerCli, [...path, '--help'], { env });
    const b = await run(berthBin, [...path, '--help'], { env });
    assert.equal(b.stdout.replaceAll('berth', 'docker'), d.stdout, `${path.join(' ')} --help against dockerd, versions negotiated`);
  }
});

test('inspect --type volume and network, network ls as JSON and network rm of a missing network print what docker prints', opts, async () => {
  for (const stack of ['docker→dockerd', 'berth→berthd'] as const) {
    await on(stack, ['network', 'create', 'cmp-net']);
    await on(stack, ['volume', 'create', 'cmp-vol']);
  }
  try {
    await same(['inspect', '--type', 'volume', '-f', '{{.Name}} {{.Driver}}', 'cmp-vol']);
    await same(['inspect', '--type', 'network', '-f', '{{.Name}} {{.Driver}}', 'cmp-net']);
    await same(['inspect', '-f', '{{.Name}}', 'cmp-vol']);
    await same(['inspect', '--type', 'volume', 'nosuch']);
    await same(['inspect', '--type', 'nonsense', 'cmp-vol']);
    await same(['network', 'ls', '--filter', 'name=cmp-net', '--format', '{{.Name}} {{.IPv4}} {{.IPv6}} {{.Internal}}']);
    // CreatedAt is Go's time.Time String form; the time itself differs between the daemons
    const created = await same(['network', 'ls', '--filter', 'name=cmp-net', '--format', '{{.CreatedAt}}'], { normalize: (s) => s.replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \+0000 UTC/g, '<time>') });
    assert.match(created.stdout, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \+0000 UTC\n$/);
    await same(['network', 'rm', 'nosuch']);
  } finally {
    for (const stack of ['docker→dockerd', 'berth→berthd'] as const) {
      await on(stack, ['network', 'rm', 'cmp-net']);
      await on(stack, ['volume', 'rm', 'cmp-vol']);
    }
  }
});

test('pause and unpause of a container in the wrong state print only the daemon\'s error, as docker does', opts, async () => {
  await same(['create', '--name', 'cmp-p', '--network', 'none', 'busybox', 'sleep', '100'], { mutates: true, normalize: () => '' });
  try {
    await same(['pause', 'cmp-p'], { mutates: true });
    await same(['unpause', 'cmp-p'], { mutates: true });
  } finally {
    await same(['rm', '-f', 'cmp-p'], { mutates: true });
  }
});

test('run --restart with a policy the daemon does not know is the daemon\'s error; version shows DOCKER_API_VERSION', opts, async () => {
  await same(['run', '--rm', '--restart', 'sometimes', 'busybox']);
  await same(['version', '--format', '{{.Client.APIVersion}}']);
});
