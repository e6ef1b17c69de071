// bench/pull: how long a cold pull of a Debian rootfs image (one ~210 MB layer,
// gzip as dockerd pushes it) from a registry on loopback takes with berth and
// with its peers, measured interleaved (one pull of each per round, the order
// rotating) so that drift in the machine's load hits every engine alike. Cold:
// the image and its blobs are removed after every pull, for every engine. The
// bench starts Debian's docker-registry on a free loopback port, its own berthd
// and its own dockerd (own roots, `--bridge=none --iptables=false`, the
// registry as an insecure registry), has that dockerd push the image once, and
// stops and removes everything at the end. Podman joins when it is on the PATH.
// Before each timed pull the bench runs `sync`, so that no engine's pull pays
// for writing back the data the previous engine left dirty.
// `--before DIR` adds a berthd from an earlier build (for before/after runs).
// Run as root after `npm run build`; see README.md. The goal (issue 15): berth
// at no more than 0.4× docker's time.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { debianTar } from '../test/integration/debian-fixture.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Options {
  rounds: number;
  json: boolean;
  keep: boolean;
  /** An earlier build (a directory with bin/, dist/, native/ and node_modules) to time beside this one. */
  before?: string;
  /** Leave out the docker CLI → berthd engine (berth's CLI alone stands for berth). */
  noDockerBerthd: boolean;
}

interface Engine {
  readonly name: string;
  readonly what: string;
  /** The timed pull. */
  readonly pull: readonly string[];
  /** Removes the image (and with it its blobs) again; must succeed after a pull. */
  readonly remove: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly samples: number[];
}

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = { rounds: 3, json: false, keep: false, noDockerBerthd: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-n' || a === '--rounds') opts.rounds = Number(argv[++i]);
    else if (a === '--json') opts.json = true;
    else if (a === '--keep') opts.keep = true;
    else if (a === '--before') opts.before = resolve(argv[++i] ?? fail('--before needs a directory'));
    else if (a === '--no-docker-berthd') opts.noDockerBerthd = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: bench/pull [-n|--rounds N] [--before DIR] [--no-docker-berthd] [--json] [--keep]\n');
      process.exit(0);
    } else fail(`unknown option "${a}" (see bench/pull --help)`);
  }
  if (!Number.isInteger(opts.rounds) || opts.rounds < 1) fail('--rounds needs a positive integer');
  return opts;
}

function fail(msg: string): never {
  process.stderr.write(`pull-bench: ${msg}\n`);
  process.exit(1);
}

function note(msg: string): void {
  process.stderr.write(`pull-bench: ${msg}\n`);
}

function which(prog: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${prog}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : undefined;
}

/** Runs a command to completion; throws with its stderr when it fails. */
function must(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, input?: Buffer): string {
  const [cmd = '', ...args] = argv;
  const r = spawnSync(cmd, args, { env, input, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 600_000 });
  if (r.status !== 0) {
    const why = r.error ? r.error.message : (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ');
    throw new Error(`${argv.join(' ')} failed (${r.status ?? r.signal}): ${why}`);
  }
  return r.stdout;
}

function timed(argv: readonly string[], env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  must(argv, env);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

async function waitFor(what: string, probe: () => Promise<boolean>, ms: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not answer within ${ms} ms`);
}

function httpOk(options: { socketPath?: string; host?: string; port?: number; path: string }): Promise<boolean> {
  return new Promise((res) => {
    const req = request({ ...options, timeout: 1000 }, (r) => {
      r.resume();
      res((r.statusCode ?? 0) > 0 && (r.statusCode ?? 0) < 500);
    });
    req.on('error', () => res(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const gone = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill('SIGTERM');
  const timer = setTimeout(() => c.kill('SIGKILL'), 20_000);
  await gone;
  clearTimeout(timer);
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) fail('run me as root');
  const docker = which('docker');
  if (!docker || !which('dockerd')) fail('docker and dockerd are needed (the image is pushed by dockerd, and docker is the yardstick)');
  if (!which('docker-registry')) fail('docker-registry is not installed (apt-get install docker-registry)');
  const tmp = mkdtempSync('/tmp/berth-bench-pull-');
  const children: ChildProcess[] = [];
  try {
    // The registry, plain http on loopback.
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    mkdirSync(join(tmp, 'registry'));
    writeFileSync(
      join(tmp, 'registry', 'config.yml'),
      ['version: 0.1', 'log:', '  level: error', 'storage:', '  filesystem:', `    rootdirectory: ${join(tmp, 'registry', 'data')}`, 'http:', `  addr: ${host}`, ''].join('\n'),
    );
    const registry = spawn('docker-registry', ['serve', join(tmp, 'registry', 'config.yml')], { stdio: 'ignore' });
    children.push(registry);
    await waitFor('docker-registry', () => httpOk({ host: '127.0.0.1', port, path: '/v2/' }), 15_000, registry);

    // berthd (and, with --before, a second one from an earlier build).
    const startBerthd = async (from: string, name: string): Promise<NodeJS.ProcessEnv> => {
      const sock = join(tmp, `${name}.sock`);
      const d = spawn(join(from, 'bin', 'berthd'), ['--data-root', join(tmp, `${name}-data`), '--exec-root', join(tmp, `${name}-exec`), '--host', `unix://${sock}`], { stdio: 'ignore', env: process.env });
      children.push(d);
      await waitFor(name, () => httpOk({ socketPath: sock, path: '/_ping' }), 30_000, d);
      return { ...process.env, DOCKER_HOST: `unix://${sock}` };
    };
    const berthEnv = await startBerthd(repo, 'berth');
    const beforeEnv = opts.before !== undefined ? await startBerthd(opts.before, 'before') : undefined;

    // dockerd.
    const dSock = join(tmp, 'docker.sock');
    const dEnv = { ...process.env, DOCKER_HOST: `unix://${dSock}`, DOCKER_CONFIG: join(tmp, 'docker-config') };
    const dockerd = spawn(
      'dockerd',
      ['--data-root', join(tmp, 'docker-root'), '--exec-root', join(tmp, 'docker-exec'), '--pidfile', join(tmp, 'docker.pid'), '-H', `unix://${dSock}`, '--bridge=none', '--iptables=false', '--ip6tables=false', '--insecure-registry', host],
      { stdio: 'ignore' },
    );
    children.push(dockerd);
    await waitFor('dockerd', () => httpOk({ socketPath: dSock, path: '/_ping' }), 60_000, dockerd);

    // The image, pushed once by dockerd (gzip layer, as docker makes them).
    const ref = `${host}/bench/debian:bookworm`;
    const tarPath = await debianTar();
    note(`pushing ${tarPath} as ${ref} (once)`);
    must([docker, 'import', '-c', 'CMD ["bash"]', tarPath, ref], dEnv);
    must([docker, 'push', ref], dEnv);
    must([docker, 'rmi', ref], dEnv);

    const engines: Engine[] = [];
    const berth = join(repo, 'bin', 'berth');
    engines.push({ name: 'berth', what: 'berth pull against berthd (what a berth user feels)', pull: [berth, 'pull', '-q', ref], remove: [berth, 'rmi', ref], env: berthEnv, samples: [] });
    if (!opts.noDockerBerthd) engines.push({ name: 'docker→berthd', what: "docker's CLI against berthd (berth's engine alone)", pull: [docker, 'pull', '-q', ref], remove: [docker, 'rmi', ref], env: berthEnv, samples: [] });
    if (beforeEnv !== undefined) engines.push({ name: 'berth (before)', what: `berth pull against a berthd from ${opts.before}`, pull: [berth, 'pull', '-q', ref], remove: [berth, 'rmi', ref], env: beforeEnv, samples: [] });
    engines.push({ name: 'docker', what: "docker's CLI against the private dockerd", pull: [docker, 'pull', '-q', ref], remove: [docker, 'rmi', ref], env: dEnv, samples: [] });
    const podman = which('podman');
    if (podman) {
      const flags = ['--root', join(tmp, 'podman-root'), '--runroot', join(tmp, 'podman-run')];
      engines.push({ name: 'podman', what: 'podman with its own storage', pull: [podman, ...flags, 'pull', '-q', '--tls-verify=false', ref], remove: [podman, ...flags, 'rmi', ref], env: process.env, samples: [] });
    } else note('podman not installed; skipped');

    // One untimed pull each, so that every engine meets a warm registry and page cache alike.
    for (const e of engines) {
      must(e.pull, e.env);
      must(e.remove, e.env);
    }
    for (let round = 0; round < opts.rounds; round++) {
      for (let k = 0; k < engines.length; k++) {
        const e = engines[(round + k) % engines.length] as Engine;
        // No engine pays for the write-back of the one before it (dockerd never syncs; berthd syncs once per pull).
        must(['sync']);
        e.samples.push(timed(e.pull, e.env));
        must(e.remove, e.env);
      }
      note(`round ${round + 1}/${opts.rounds}: ${engines.map((e) => `${e.name} ${(e.samples.at(-1) ?? 0).toFixed(0)} ms`).join(', ')} (load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]})`);
    }

    if (opts.json) {
      process.stdout.write(JSON.stringify({ rounds: opts.rounds, engines: engines.map((e) => ({ name: e.name, samples: e.samples, median: median(e.samples) })) }, null, 2) + '\n');
      return;
    }
    const layerBytes = statSync(tarPath).size;
    const out = [`cold pull of ${ref} (one layer, ${(layerBytes / 1e6).toFixed(0)} MB unpacked), ${opts.rounds} rounds, median ms`, ''];
    for (const e of engines) out.push(`${e.name.padEnd(15)} ${median(e.samples).toFixed(0).padStart(7)}   ${e.what}`);
    const dockerMs = median((engines.find((e) => e.name === 'docker') as Engine).samples);
    out.push('');
    for (const e of engines) if (e.name !== 'docker') out.push(`${e.name} / docker: ${(median(e.samples) / dockerMs).toFixed(2)}${e.name === 'berth' ? '   (goal ≤ 0.40)' : ''}`);
    const now = engines.find((e) => e.name === 'berth');
    const before = engines.find((e) => e.name === 'berth (before)');
    if (now && before) {
      out.push(`berth / berth (before): ${(median(now.samples) / median(before.samples)).toFixed(2)} (ratio of medians), ${median(now.samples.map((x, i) => x / (before.samples[i] as number))).toFixed(2)} (median of per-round ratios)`);
    }
    out.push(`load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
    process.stdout.write(out.join('\n') + '\n');
  } finally {
    for (const c of children.reverse()) await stopChild(c);
    if (opts.keep) note(`kept ${tmp}`);
    else {
      for (const p of readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((p) => p.startsWith(tmp)).sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', p]);
      rmSync(tmp, { recursive: true, force: true });
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`pull-bench: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
