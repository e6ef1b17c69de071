// Compatibility: every flag the docker v28 CLI accepts — the ones its --help lists
// and its hidden aliases (--net, --net-alias, --dns-opt, stop/restart --time,
// update --kernel-memory, volume create --name) — is parsed by `berth` too.
// Both CLIs point at a socket nobody listens on, so a flag
// that parses fails later ("Cannot connect", a missing argument, a bad value) and
// only an unknown flag answers "unknown flag"; the test checks parsing, nothing more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '../..');
const docker = '/usr/local/bin/docker';
const berth = join(repo, 'bin', 'berth');

const commands = [
  'run', 'create', 'ps', 'images', 'rm', 'rmi', 'commit', 'build', 'inspect', 'exec', 'logs', 'stop', 'start',
  'restart', 'kill', 'pull', 'push', 'tag', 'save', 'load', 'cp', 'top', 'port', 'stats', 'events', 'info', 'version',
  'login', 'logout', 'history', 'import', 'export', 'diff', 'wait', 'update', 'rename', 'pause', 'unpause', 'attach',
  'network create', 'network connect', 'network disconnect', 'network ls', 'network rm', 'network inspect', 'network prune',
  'volume create', 'volume ls', 'volume rm', 'volume inspect', 'volume prune',
  'container ls', 'container prune', 'image ls', 'image prune', 'system prune', 'system df',
];

/**
 * docker's hidden flags (pflag MarkHidden, deprecated names): not in --help,
 * still parsed. Found by reading the docker CLI's sources (MarkHidden,
 * MarkDeprecated) and checked against v28's binary: each of these parses there
 * and is missing from its --help.
 */
const hidden: readonly [string, string][] = [
  ['run', '--net'], ['run', '--net-alias'], ['run', '--dns-opt'],
  ['create', '--net'], ['create', '--net-alias'], ['create', '--dns-opt'],
  ['stop', '--time'], ['restart', '--time'],
  ['update', '--kernel-memory'], ['volume create', '--name'],
];

/** Flags berth does not take yet, with the reason; the test fails if one of them starts to parse. */
const notYet: ReadonlyMap<string, string> = new Map([
  ['images --tree', 'the experimental multi-platform tree view is not implemented'],
  ['image ls --tree', 'the experimental multi-platform tree view is not implemented'],
]);

interface Out { code: number; stderr: string }
const sandbox = mkdtempSync(join(tmpdir(), 'berth-flags-'));
// BERTH_NO_AUTOSTART: berth must not start a berthd on the missing socket (docker never does)
const env = { ...process.env, DOCKER_HOST: `unix://${join(sandbox, 'nobody.sock')}`, DOCKER_CONFIG: join(sandbox, 'config'), BERTH_NO_AUTOSTART: '1' };

function exec(bin: string, args: readonly string[]): Promise<Out> {
  return new Promise((res) => {
    const child = execFile(bin, [...args], { env, cwd: sandbox, timeout: 20_000 }, (err, _stdout, stderr) => {
      res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr });
    });
    child.stdin?.end();
  });
}

const unknown = (o: Out) => /unknown (shorthand )?flag/.test(o.stderr);

/** The flags docker's --help lists for `cmd`: [name, takes a value]. */
async function dockerFlags(cmd: string): Promise<[string, boolean][]> {
  const help = await new Promise<string>((res) => execFile(docker, [...cmd.split(' '), '--help'], { env }, (_e, stdout) => res(stdout)));
  const flags: [string, boolean][] = [];
  for (const line of help.split('\n')) {
    const m = /^\s+(?:-(\w), )?--([\w-]+)(?: (\S+))?\s{2,}/.exec(line);
    if (!m || m[2] === 'help') continue;
    const takesValue = m[3] !== undefined;
    flags.push([`--${m[2]}`, takesValue]);
    if (m[1]) flags.push([`-${m[1]}`, takesValue]);
  }
  return flags;
}

async function pool<T>(items: readonly T[], n: number, f: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => { while (i < items.length) await f(items[i++] as T); }));
}

test('berth parses every flag and hidden alias the docker v28 CLI parses', { timeout: 600_000 }, async (t) => {
  t.after(() => rmSync(sandbox, { recursive: true, force: true }));
  const cases: { cmd: string; flag: string; value: boolean }[] = [];
  for (const cmd of commands) {
    const flags = await dockerFlags(cmd);
    for (const [flag, value] of flags) cases.push({ cmd, flag, value });
  }
  for (const [cmd, flag] of hidden) cases.push({ cmd, flag, value: true });
  assert.ok(cases.length > 300, `docker --help gave ${cases.length} flags`);
  const rejected: string[] = [];
  const dockerRejects: string[] = [];
  const nowParsed: string[] = [];
  await pool(cases, 4, async ({ cmd, flag, value }) => {
    const args = [...cmd.split(' '), flag, ...(value ? ['1'] : [])];
    const key = `${cmd} ${flag}`;
    // a flag from docker's --help parses there by definition; the hidden ones are checked
    const isHidden = hidden.some(([c, f]) => c === cmd && f === flag);
    const [d, b] = await Promise.all([isHidden ? exec(docker, args) : undefined, exec(berth, args)]);
    if (d && unknown(d)) dockerRejects.push(key);
    if (notYet.has(key)) { if (!unknown(b)) nowParsed.push(key); return; }
    if (unknown(b)) rejected.push(`${key}: ${b.stderr.split('\n')[0]}`);
  });
  assert.deepEqual(dockerRejects, [], 'the docker CLI itself accepts each flag of the list');
  assert.deepEqual(nowParsed, [], 'a flag of the not-yet list parses now: take it off the list');
  assert.deepEqual(rejected.sort(), []);
});
