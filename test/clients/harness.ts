// The differential client tier's harness: one private dockerd 20.10 (the
// oracle, with bridge networking and iptables inside a network namespace of
// its own) and one berthd per test file, both with the same busybox:latest;
// the real clients (docker CLI v28 and 20.10, docker-py from Debian and PyPI,
// dockerode, Compose's Go binary and docker-compose 1.29) pointed at either;
// and sameOnBoth(), which runs a scenario on both, masks what legitimately
// differs and asserts that the rest is equal, naming the step that is not.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Dockerode from 'dockerode';
import { berthBin, repoRoot, run, startPrivateDockerd, type PrivateDockerd, type RunOptions, type RunResult } from '../integration/acceptance-support.ts';
import { ensureBusybox, startDaemon, type Daemon } from '../integration/harness.ts';
import { differences, mask } from './mask.ts';

export { differences, mask, shape, type Shape } from './mask.ts';
export type { RunResult } from '../integration/acceptance-support.ts';

/** Both engines are driven at the oracle's (dockerd 20.10's) newest API version, so that a client negotiates the same one. */
export const apiVersion = '1.41';

export interface Target {
  readonly kind: 'dockerd' | 'berthd';
  readonly socket: string;
  /** `unix://<socket>` */
  readonly host: string;
  /** process.env with DOCKER_HOST, the API version and a clean DOCKER_CONFIG. */
  readonly env: NodeJS.ProcessEnv;
  /** Runs a command in the network namespace where the target publishes ports (dockerd: its own; berthd: the host's). */
  netExec(argv: readonly string[], opts?: RunOptions): Promise<RunResult>;
}

export interface Targets {
  readonly dockerd: Target;
  readonly berthd: Target;
  readonly both: readonly Target[];
}

export const clis = { v28: '/usr/local/bin/docker', debian: '/usr/bin/docker' } as const;
export const pythons = { debian: '/usr/bin/python3', pypi: process.env['BERTH_TEST_VENV'] ? `${process.env['BERTH_TEST_VENV']}/bin/python` : '/opt/berth-test/venv/bin/python' } as const;

let current: Targets | undefined;

/**
 * Registers before/after hooks that start the oracle and a berthd, each with
 * busybox:latest, and stop them; returns accessors valid inside tests. A
 * failure to start either fails the file's tests (it is never a skip).
 */
export function clientTargets(): Targets {
  let oracle: PrivateDockerd | undefined;
  let daemon: Daemon | undefined;
  let config: string | undefined;
  let firewallBefore: string[] = [];
  let targets: { dockerd: Target; berthd: Target } | undefined;
  before(async () => {
    firewallBefore = oracleFirewallLines();
    config = mkdtempSync('/tmp/berth-test-docker-config-');
    const results = await Promise.allSettled([startPrivateDockerd({ netns: true }), startDaemon()]);
    if (results[0].status === 'fulfilled') oracle = results[0].value;
    if (results[1].status === 'fulfilled') daemon = results[1].value;
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw new Error(`the targets did not start: ${String((failed as PromiseRejectedResult).reason)}`);
    const o = oracle!;
    const d = daemon!;
    const envOf = (socket: string) => ({
      ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_API_VERSION: apiVersion, COMPOSE_API_VERSION: apiVersion,
      DOCKER_CONFIG: config, DOCKER_CLI_HINTS: 'false',
    });
    targets = {
      dockerd: { kind: 'dockerd', socket: o.socket, host: `unix://${o.socket}`, env: envOf(o.socket), netExec: o.netExec },
      berthd: { kind: 'berthd', socket: d.socket, host: `unix://${d.socket}`, env: envOf(d.socket), netExec: (argv, opts) => run(argv[0] ?? 'true', argv.slice(1), opts) },
    };
    await Promise.all([ensureBusybox(o), ensureBusybox(d)]);
    current = accessors;
  });
  after(async () => {
    current = undefined;
    const netns = oracle?.netns;
    await Promise.allSettled([oracle?.stop(), daemon?.stop()]);
    if (config) rmSync(config, { recursive: true, force: true });
    if (netns) assert.ok(!spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.includes(netns), `the oracle's network namespace ${netns} outlived it`);
    const added = oracleFirewallLines().filter((l) => !firewallBefore.includes(l));
    assert.deepEqual(added, [], 'the oracle must not touch the host firewall');
  });
  const get = (kind: 'dockerd' | 'berthd'): Target => {
    if (!targets) throw new Error('the targets did not start (see the before hook)');
    return targets[kind];
  };
  const accessors: Targets = {
    get dockerd() { return get('dockerd'); },
    get berthd() { return get('berthd'); },
    get both() { return [get('dockerd'), get('berthd')]; },
  };
  return accessors;
}

/** Host iptables lines that only dockerd writes (its chains and default bridge). */
function oracleFirewallLines(): string[] {
  const r = spawnSync('iptables-save', { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => /DOCKER|docker0/.test(l));
}

export interface CliOptions extends RunOptions {
  readonly cli?: keyof typeof clis;
}

/** The docker CLI (v28 by default, or Debian's 20.10) against a target. */
export function dockerCli(t: Target, args: readonly string[], opts: CliOptions = {}): Promise<RunResult> {
  return run(clis[opts.cli ?? 'v28'], args, { ...opts, env: { ...t.env, ...opts.env } });
}

/** Definitions every docker-py scenario can use: api(), client(), out(value), outcome(fn). */
const pythonPrelude = `
import json, os, sys
import docker
API_VERSION = os.environ['DOCKER_API_VERSION']
def api(**kw): return docker.APIClient(base_url=os.environ['DOCKER_HOST'], version=API_VERSION, timeout=60, **kw)
def client(**kw): return docker.DockerClient(base_url=os.environ['DOCKER_HOST'], version=API_VERSION, timeout=60, **kw)
def out(value): print(json.dumps(value, default=str, sort_keys=True))
def outcome(fn):
    try:
        return {'ok': fn()}
    except docker.errors.APIError as e:
        return {'status': e.status_code, 'explanation': e.explanation}
`;

export interface PyOptions extends RunOptions {
  readonly flavor: keyof typeof pythons;
}

/**
 * Runs a docker-py program against a target with Debian's python3-docker or
 * the newest from PyPI. The program prints its outcome as JSON on its last
 * line of stdout; that is returned parsed. A program that fails throws.
 */
export async function dockerPy(t: Target, script: string, opts: PyOptions): Promise<unknown> {
  const r = await run(pythons[opts.flavor], ['-c', `${pythonPrelude}\n${script}`], { ...opts, env: { ...t.env, ...opts.env } });
  if (r.code !== 0) throw new Error(`docker-py (${opts.flavor}) against ${t.kind} exited ${r.code}: ${r.stderr.trim().split('\n').slice(-6).join('\n')}`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last);
  } catch {
    throw new Error(`docker-py (${opts.flavor}) against ${t.kind} printed no JSON on its last line: ${JSON.stringify(r.stdout.slice(-400))}`);
  }
}

/** A dockerode client for a target, at the oracle's API version. */
export function dockerode(t: Target): Dockerode {
  return new Dockerode({ socketPath: t.socket, version: `v${apiVersion}` });
}

export interface ComposeOptions extends RunOptions {
  /** v2: Compose's Go binary as `docker compose` (CLI v28); v1: Debian's docker-compose 1.29. */
  readonly flavor: 'v2' | 'v1';
  readonly cwd: string;
}

/**
 * Runs Compose in `cwd` against a target. A Compose that is not installed
 * throws (the run would otherwise "exit" alike on both engines, 127 or the
 * docker CLI's "unknown command: docker compose", and the comparison would
 * pass).
 */
export async function compose(t: Target, args: readonly string[], opts: ComposeOptions): Promise<RunResult> {
  const env = { ...t.env, ...opts.env };
  const inDir = (cmd: string, argv: readonly string[]) => run('bash', ['-c', 'cd "$0" && exec "$@"', opts.cwd, cmd, ...argv], { ...opts, env });
  const r = opts.flavor === 'v2' ? await inDir(clis.v28, ['compose', ...args]) : await inDir('docker-compose', args);
  if (opts.flavor === 'v2' && r.code !== 0 && /unknown command: docker compose\b|'compose' is not a docker command/.test(r.stderr)) {
    throw new Error(`Compose's Go binary is not installed as a docker CLI plugin (scripts/setup-clients installs it): ${r.stderr.trim()}`);
  }
  if (opts.flavor === 'v1' && r.code === 127) throw new Error(`docker-compose 1.29 is not installed (scripts/setup installs Debian's docker-compose): ${r.stderr.trim()}`);
  return r;
}

/**
 * The berth CLI against a target, its own name read as "docker" (so that its
 * messages compare with the docker CLI's). The berth CLI's lines of issue 11
 * are compared as the berth CLI against berthd with the docker CLI (or
 * Compose's Go binary) against the oracle: see berth-cli.test.ts.
 */
export async function berthCli(t: Target, args: readonly string[], opts: RunOptions & { readonly cwd?: string } = {}): Promise<RunResult> {
  const env = { ...t.env, ...opts.env, BERTH_NO_AUTOSTART: '1' };
  const r = opts.cwd === undefined
    ? await run(berthBin, args, { ...opts, env })
    : await run('bash', ['-c', 'cd "$0" && exec "$@"', opts.cwd, berthBin, ...args], { ...opts, env });
  const fix = (s: string) => s.replaceAll('berth', 'docker');
  return { code: r.code, stdout: fix(r.stdout), stderr: fix(r.stderr) };
}

/** A temp directory for a scenario's files, removed after the test file. */
export function scratchDir(prefix = 'berth-clients-'): string {
  const dir = mkdtempSync(join('/tmp', prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

type Scenario = (t: Target) => Promise<unknown>;

export interface SameOnBothOptions {
  readonly timeout?: number;
  /**
   * Checks the oracle's (masked) result before the comparison, so that a
   * scenario that went wrong on both engines alike cannot pass: say there
   * what the acceptance line expects (e.g. that the second container got 5001).
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a scenario's own result type
  readonly expect?: (oracle: any) => void;
}

/**
 * Runs a scenario on dockerd and then on berthd, masks both results and
 * asserts that they are equal; a scenario returns an object of named steps so
 * that a difference names its step. After each run the target is reset (its
 * containers, user networks, volumes and extra images removed).
 * With a name, registers a test; without, runs inside the current test.
 */
export function sameOnBoth(name: string, scenario: Scenario, options?: SameOnBothOptions): void;
export function sameOnBoth(scenario: Scenario, options?: SameOnBothOptions): Promise<void>;
export function sameOnBoth(a: string | Scenario, b?: Scenario | SameOnBothOptions, c: SameOnBothOptions = {}): void | Promise<void> {
  if (typeof a === 'function') return compareOnBoth(a, (b ?? {}) as SameOnBothOptions);
  test(a, { timeout: c.timeout ?? 300_000 }, () => compareOnBoth(b as Scenario, c));
}

async function compareOnBoth(scenario: Scenario, options: SameOnBothOptions): Promise<void> {
  const targets = current;
  if (!targets) throw new Error('sameOnBoth needs clientTargets() in this file, and runs only inside its tests');
  const results: Record<string, unknown> = {};
  for (const t of targets.both) {
    try {
      results[t.kind] = mask(await scenario(t));
    } catch (err) {
      throw new Error(`the scenario failed on ${t.kind}: ${(err as Error).message}${t.kind === 'berthd' ? `\n(dockerd gave ${JSON.stringify(results['dockerd']).slice(0, 1500)})` : ''}`, { cause: err });
    } finally {
      await resetTarget(t);
    }
    if (t.kind === 'dockerd') {
      try {
        options.expect?.(results['dockerd']);
      } catch (err) {
        throw new Error(`the scenario does not do on the oracle what it should: ${(err as Error).message}\n(dockerd gave ${JSON.stringify(results['dockerd']).slice(0, 1500)})`, { cause: err });
      }
    }
  }
  // BERTH_CLIENTS_SHOW=1 shows both masked results, to write or debug a scenario.
  if (process.env['BERTH_CLIENTS_SHOW']) process.stderr.write(`${JSON.stringify(results, null, 2)}\n`);
  const diff = differences(results['dockerd'], results['berthd'], ['dockerd', 'berthd']);
  if (diff.length > 0) assert.fail(`berthd differs from dockerd:\n  ${diff.join('\n  ')}`);
}

function api(t: Target, method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: t.socket, method, path: `/v${apiVersion}${path}` }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function list<T>(t: Target, path: string): Promise<T[]> {
  const r = await api(t, 'GET', path);
  return r.status === 200 ? (JSON.parse(r.body) as T[] | null) ?? [] : [];
}

/** Removes what a scenario left on a target: containers, user networks, volumes, images other than busybox:latest. */
export async function resetTarget(t: Target): Promise<void> {
  for (const c of await list<{ Id: string }>(t, '/containers/json?all=1')) await api(t, 'DELETE', `/containers/${c.Id}?force=1&v=1`);
  for (const n of await list<{ Name: string; Id: string }>(t, '/networks')) {
    if (!['bridge', 'host', 'none'].includes(n.Name)) await api(t, 'DELETE', `/networks/${n.Id}`);
  }
  const volumes = await api(t, 'GET', '/volumes');
  const vols = volumes.status === 200 ? ((JSON.parse(volumes.body) as { Volumes: { Name: string }[] | null }).Volumes ?? []) : [];
  for (const v of vols) await api(t, 'DELETE', `/volumes/${encodeURIComponent(v.Name)}?force=1`);
  for (const img of await list<{ Id: string; RepoTags: string[] | null }>(t, '/images/json?all=1')) {
    const tags = (img.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>');
    if (tags.includes('busybox:latest')) {
      for (const tag of tags) if (tag !== 'busybox:latest') await api(t, 'DELETE', `/images/${encodeURIComponent(tag)}`);
    } else {
      await api(t, 'DELETE', `/images/${img.Id}?force=1`);
    }
  }
}

export { repoRoot };
