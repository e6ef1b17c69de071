// berth's help texts and usage errors against the docker CLI's (v28, the
// oracle), byte for byte after reading "berth" as "docker": `--help` of every
// berth command and sub-command, `help CMD`, a group without its sub-command,
// `-h`, the top-level help, and the argument-count and flag errors the CLIs
// find before they talk to a daemon. No daemon is needed: DOCKER_HOST names a
// socket nobody listens on, so both CLIs print what they print when the
// daemon cannot be asked (a daemon's answers are compared in
// cli-vs-docker.test.ts). The tests fail without the docker CLI: never a skip.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { berthBin, run, type RunResult } from '../integration/acceptance-support.ts';
import { buildProgram } from '../../src/cli/main.ts';
import { commandPaths } from './command-paths.ts';

const dockerCli = '/usr/local/bin/docker';
let config = '';

/**
 * Flags docker v28 has that berth does not, per command path: `images --tree`
 * (docker's experimental tree view of multi-platform images).
 */
const missingFlags: Readonly<Record<string, readonly string[]>> = { images: ['tree'], 'image ls': ['tree'] };

function env(apiVersion: string | undefined): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: `unix://${config}/nobody.sock`, DOCKER_CONFIG: config, DOCKER_CLI_HINTS: 'false', BERTH_NO_AUTOSTART: '1' };
  delete e['DOCKER_CONTEXT'];
  delete e['DOCKER_API_VERSION'];
  if (apiVersion !== undefined) e['DOCKER_API_VERSION'] = apiVersion;
  return e;
}

/**
 * docker's notice that its classic builder is deprecated (buildx is not
 * installed here): berth's builder is its own, and says nothing of the kind.
 */
const legacyBuilderNotice = /^DEPRECATED: The legacy builder is deprecated[\s\S]*?buildx\/\n\n/;

/** Runs both CLIs; berth's "berth" is read as "docker" (the config dir's name left alone). */
async function both(args: readonly string[], apiVersion?: string): Promise<{ docker: RunResult; berth: RunResult }> {
  const e = env(apiVersion);
  const [d, b] = await Promise.all([run(dockerCli, args, { env: e, input: '' }), run(berthBin, args, { env: e, input: '' })]);
  const fix = (t: string) => t.replaceAll(config, '\0').replaceAll('berth', 'docker').replaceAll('\0', config);
  const docker = { ...d, stderr: d.stderr.replace(legacyBuilderNotice, '') };
  return { docker, berth: { code: b.code, stdout: fix(b.stdout), stderr: fix(b.stderr) } };
}

const program = buildProgram();

/** Whether berth has the command named by the root's child `name`. */
const berthHas = (name: string) => program.commands.some((c) => c.name() === name);

/** The long flag names of the root's global options berth has. */
const globalFlags = new Set(program.options.map((o) => (o.long ?? '').slice(2)));

/**
 * docker's help text with the entries berth does not have taken out: command
 * lines naming commands berth lacks (an emptied section goes with its
 * heading), and the blocks of `flags` (for the root: every global option
 * berth lacks).
 */
function withoutMissing(text: string, isRoot: boolean, flags: readonly string[]): string {
  const out: string[] = [];
  const lines = text.split('\n');
  let section = '';
  let dropping = false;
  for (const line of lines) {
    if (/^[A-Z][A-Za-z ]*:$/.test(line)) section = line;
    const flag = /^  (?:-\w, |    )--([\w-]+)/.exec(line)?.[1];
    if (flag !== undefined) dropping = isRoot ? !globalFlags.has(flag) : flags.includes(flag);
    else if (!line.startsWith('      ') || line.trim() === '') dropping = false;
    if (dropping) continue;
    const listed = isRoot && /Commands:$/.test(section) ? /^  ([a-z-]+)\*? /.exec(line)?.[1] : undefined;
    if (listed !== undefined && !berthHas(listed)) continue;
    out.push(line);
  }
  // a command section left with its heading only goes, with the blank line before it
  return out.join('\n').replace(/\n\n[A-Z][A-Za-z ]*Commands:(?=\n\n)/g, '');
}

before(() => {
  config = mkdtempSync('/tmp/berth-test-cli-help-');
  if (!existsSync(dockerCli)) throw new Error(`${dockerCli} is missing (scripts/setup installs the docker CLI)`);
});

after(() => {
  if (config) rmSync(config, { recursive: true, force: true });
});

const opts = { concurrency: false, timeout: 600_000 } as const;

for (const apiVersion of ['1.47', '1.41'] as const) {
  test(`--help of every berth command prints docker's help text (DOCKER_API_VERSION=${apiVersion})`, opts, async () => {
    const failures: string[] = [];
    for (const path of commandPaths()) {
      const { docker, berth } = await both([...path, '--help'], apiVersion);
      const expected = withoutMissing(docker.stdout, false, missingFlags[path.join(' ')] ?? []);
      if (berth.stdout !== expected || berth.code !== docker.code) {
        failures.push(`${path.join(' ')} --help:\n--- docker\n${expected}\n--- berth (exit ${berth.code}, docker ${docker.code})\n${berth.stdout}${berth.stderr}`);
      }
    }
    assert.deepEqual(failures, []);
  });
}

test("the top-level help is docker's, with the commands and global options berth lacks left out", opts, async () => {
  for (const args of [['--help'], ['help']]) {
    const { docker, berth } = await both(args, '1.47');
    assert.equal(berth.code, docker.code, args.join(' '));
    assert.equal(berth.stdout, withoutMissing(docker.stdout, true, []), args.join(' '));
  }
  // Without a command both print the help on stderr and succeed.
  const { docker, berth } = await both([], '1.47');
  assert.equal(berth.code, docker.code);
  assert.equal(berth.stdout, docker.stdout);
  assert.equal(berth.stderr, withoutMissing(docker.stderr, true, []));
});

test('help CMD, a group without its command, and -h print what docker prints where it prints it', opts, async () => {
  for (const args of [['help', 'run'], ['help', 'volume', 'ls'], ['help', 'container'], ['help', 'nosuch'], ['help', 'volume', 'nosuch'], ['volume', 'help'],
    ['volume'], ['container'], ['image'], ['network'], ['system'], ['builder'],
    ['ps', '-h'], ['volume', '-h'], ['volume', 'ls', '-h'], ['-h'], ['run', '--help'], ['volume', 'ls', '--help', 'extra']]) {
    const { docker, berth } = await both(args, '1.47');
    assert.equal(berth.code, docker.code, `exit code of ${args.join(' ')}\n${berth.stderr}`);
    assert.equal(berth.stdout, withoutMissing(docker.stdout, args[0] === '-h', []), `stdout of ${args.join(' ')}`);
    assert.equal(berth.stderr, docker.stderr, `stderr of ${args.join(' ')}`);
  }
});

test('a help text the API version in use cannot serve says so, as docker does', opts, async () => {
  for (const args of [['container', 'prune', '--help'], ['volume', 'update', '--help'], ['system', 'df', '--help']]) {
    const { docker, berth } = await both(args, args[0] === 'volume' ? '1.41' : '1.24');
    assert.equal(berth.code, docker.code, args.join(' '));
    assert.equal(berth.stdout, docker.stdout, args.join(' '));
  }
});

/** What docker prints when the argument count breaks the command's rule (cli/required.go). */
const usageError = /requires (?:at least |at most )?\d|accepts no arguments|unknown command/;

test("every command counts its arguments as docker does, with cli/required.go's texts and exit code 1", opts, async () => {
  const failures: string[] = [];
  let errors = 0;
  for (const path of commandPaths()) {
    for (const n of [0, 1, 2, 3, 6]) {
      const args = [...path, ...Array.from({ length: n }, (_, i) => `a${i + 1}`)];
      const { docker, berth } = await both(args, '1.47');
      if (usageError.test(docker.stderr)) {
        errors++;
        if (berth.stderr !== docker.stderr || berth.code !== docker.code) failures.push(`${args.join(' ')}:\n--- docker (exit ${docker.code})\n${docker.stderr}--- berth (exit ${berth.code})\n${berth.stderr}`);
      } else if (usageError.test(berth.stderr)) {
        failures.push(`${args.join(' ')}: docker accepts the arguments, berth says:\n${berth.stderr}`);
      }
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(errors > 150, `docker refused ${errors} argument counts: the comparison ran`);
});

test('flag errors found before the daemon is asked read as docker\'s, with its exit codes', opts, async () => {
  for (const args of [
    ['run', '-p', 'abc', 'busybox'], ['run', '--rm', '--restart', 'always', 'busybox'], ['run', '-e', '=x', 'busybox'],
    ['run', '--env-file', '/nonexistent/env', 'busybox'], ['run', '--expose', 'abc', 'busybox'], ['run', '--network-alias', 'a', 'busybox'],
    ['run', '-d', '-a', 'stdout', 'busybox'], ['run', '--memory', 'lots', 'busybox'], ['run', '--stop-timeout', 'x', 'busybox'],
    ['create', '-p', 'abc', 'busybox'], ['exec', '-e', '=x', 'c', 'ls'], ['exec', '--env-file', '/nonexistent/env', 'c', 'ls'],
    ['run', '-x'], ['run', '--name'], ['run', '-e'], ['ps', '--foo'], ['-x'], ['volume', '--foo'], ['volume', 'nosuch'], ['nosuch'],
    ['update', '--restart', 'a:b', 'c'], ['update', '--cpus', 'x', 'c'], ['update', '--memory', 'x', 'c'], ['stop', '-t', 'x', 'c'],
    ['ps', '--filter', 'nope'], ['builder', 'prune', '--keep-storage', 'lots', '-f'],
  ]) {
    const { docker, berth } = await both(args, '1.47');
    assert.equal(berth.code, docker.code, `exit code of ${args.join(' ')}\n docker: ${docker.stderr}\n berth: ${berth.stderr}`);
    assert.equal(berth.stderr, docker.stderr, `stderr of ${args.join(' ')}`);
    assert.equal(berth.stdout, docker.stdout, `stdout of ${args.join(' ')}`);
  }
});
