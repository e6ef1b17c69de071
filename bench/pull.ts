// bench/pull: how long a cold pull of a Debian rootfs image (one ~210 MB layer,
// gzip as dockerd pushes it) from a registry on loopback takes with berth and
// with its peers, measured interleaved (one pull of each per round, the order
// rotating) so that drift in the machine's load hits every engine alike. Cold:
// the image and its blobs are removed after every pull, for every engine. The
// bench starts Debian's docker-registry on a free loopback port, its own berthd
// and its own dockerd (own roots, `--bridge=none --iptables=false`, the
// registry as an insecure registry), has that dockerd push the image once, and
// stops and removes everything at the end. Podman (private storage,
// lib/podman.ts) joins when it is installed (bench/setup).
// Before each timed pull the bench runs `sync`, so that no engine's pull pays
// for writing back the data the previous engine left dirty.
// `--before DIR` adds `berth pull` against a second private berthd started
// from an earlier build (DIR/bin/berthd: a copy of bin/, dist/, native/ and a
// node_modules link), interleaved like the others, and prints now/before;
// `--no-docker-berthd` leaves out the docker CLI → berthd engine.
// `--variant NAME:K=V,…` adds a berthd of this build with that environment;
// `--berth-only` times berth's engines alone. `--loop-delay` (berth's engines
// only) adds, per engine and round, a second pull during which a client asks
// berthd's API a question every 5 ms (lib/api-probe.ts), and as long before it
// with berthd idle, and prints the answers' latency percentiles.
// Run as root after `npm run build`; see README.md. The goal (issue 15): berth
// at no more than 0.4× docker's time (issue 4 asked 0.5×).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { debianTar } from '../test/integration/debian-fixture.ts';
import { workspace } from './lib/cleanup.ts';
import { type Daemon, privateNet, startBerthd, startDockerd } from './lib/daemons.ts';
import { quantile, startProbe, summarize } from './lib/api-probe.ts';
import { load } from './lib/machine.ts';
import { setupPodman } from './lib/podman.ts';
import { logFor, median, must as mustIn, repo, stopChild, which } from './lib/proc.ts';

const { note, fail } = logFor('pull-bench');

interface Options {
  rounds: number;
  json: boolean;
  keep: boolean;
  /** An earlier build (bin/, dist/, native/, node_modules) whose berthd is timed beside this one's. */
  before?: string;
  /** Leave out the docker CLI → berthd engine (berth's CLI alone stands for berth). */
  noDockerBerthd: boolean;
  /** Probe berthd's API (lib/api-probe.ts) during each berth pull and for as long before it, idle; berth's engines only. */
  loopDelay: boolean;
  /** Time berth's engines only (no docker, no podman; dockerd still pushes the image). */
  berthOnly: boolean;
  /** More berthds from this build, each with its own environment (`NAME:K=V,K=V`), timed beside the others. */
  variants: { name: string; env: Record<string, string> }[];
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
  /** berthd's socket, probed with --loop-delay. */
  readonly sock?: string;
  readonly idleMs: number[][];
  readonly pullMs: number[][];
  /** The probed pulls' times. */
  readonly probedMs: number[];
  /** When each of pullMs's requests was sent (epoch ms), for lining them up with berthd's BERTH_TRACE spans. */
  readonly pullAt: number[][];
  /** The daemon whose CPU time a pull is charged (its own and its waited-for children's: igzip, unpigz, sync, docker's untar). */
  readonly daemonPid?: number;
  readonly cpuMs: number[];
}

/** CPU time (user + system, ms) of a process and of its children it has waited for, from /proc/<pid>/stat. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(f[i]), 0);
  return (ticks * 1000) / 100;
}

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = { rounds: 3, json: false, keep: false, noDockerBerthd: false, loopDelay: false, berthOnly: false, variants: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-n' || a === '--rounds') opts.rounds = Number(argv[++i]);
    else if (a === '--json') opts.json = true;
    else if (a === '--keep') opts.keep = true;
    else if (a === '--before') opts.before = resolve(argv[++i] ?? fail('--before needs a directory'));
    else if (a === '--no-docker-berthd') opts.noDockerBerthd = true;
    else if (a === '--loop-delay') opts.loopDelay = true;
    else if (a === '--berth-only') opts.berthOnly = true;
    else if (a === '--variant') {
      const spec = argv[++i] ?? fail('--variant needs NAME:K=V[,K=V…]');
      const [name = '', kvs = ''] = spec.split(/:(.*)/s);
      const env = Object.fromEntries(kvs.split(',').filter((kv) => kv !== '').map((kv) => kv.split(/=(.*)/s).slice(0, 2) as [string, string]));
      if (name === '' || Object.keys(env).length === 0) fail(`--variant ${spec}: expected NAME:K=V[,K=V…]`);
      opts.variants.push({ name, env });
    }
    else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: bench/pull [-n|--rounds N] [--before DIR] [--variant NAME:K=V[,K=V…]]… [--loop-delay] [--berth-only] [--no-docker-berthd] [--json] [--keep]\n');
      process.exit(0);
    } else fail(`unknown option "${a}" (see bench/pull --help)`);
  }
  if (!Number.isInteger(opts.rounds) || opts.rounds < 1) fail('--rounds needs a positive integer');
  if (opts.before !== undefined && !existsSync(join(opts.before, 'bin', 'berthd'))) fail(`--before ${opts.before}: no bin/berthd there`);
  return opts;
}

/** Runs a command to completion; throws with its stderr when it fails. */
function must(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  const [cmd = '', ...args] = argv;
  return mustIn(cmd, args, { env, timeoutMs: 600_000 });
}

function timed(argv: readonly string[], env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  must(argv, env);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** As timed(), without holding this process's event loop (the API probe runs meanwhile). */
async function timedAsync(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [cmd = '', ...args] = argv;
  const t0 = process.hrtime.bigint();
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  if (code !== 0) throw new Error(`${argv.join(' ')} failed (${code ?? signal}): ${err.trim()}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** How long each berthd's API was idle with before the pull, the probe left on for this long. */
const idleProbeMs = 2000;

/** --loop-delay's (and --berth-only's) table: each engine's pull time and CPU, and with the probe its API's latency percentiles, idle and during pulls (all rounds pooled). */
function loopDelayReport(engines: readonly Engine[], r: { ref: string; rounds: number; loadBefore: readonly number[]; loadAfter: readonly number[] }): string {
  const probed = engines.some((e) => e.pullMs.length > 0);
  const f = (x: number) => x.toFixed(1).padStart(6);
  const row = (s: ReturnType<typeof summarize>) => `${f(s.p50)} ${f(s.p95)} ${f(s.p99)} ${f(s.max)} ${String(s.n).padStart(5)}`;
  const out = [
    `cold pull of ${r.ref}, ${r.rounds} rounds, median ms${probed ? `; berthd's API probed (GET /_ping and /containers/json in turn, one every 5 ms) for ${idleProbeMs} ms (idle) and during a second pull of each engine each round (its time: probed)` : ''}; load average before ${r.loadBefore.join(' ')}, after ${r.loadAfter.join(' ')}`,
    '',
    `${'engine'.padEnd(16)} ${'pull ms'.padStart(7)} ${'CPU ms'.padStart(7)}${probed ? ` ${'probed'.padStart(7)} | idle: p50    p95    p99    max     n | pull: p50    p95    p99    max     n | p99 by round` : ''}`,
  ];
  for (const e of engines) {
    const api = probed ? ` ${median(e.probedMs).toFixed(0).padStart(7)} |   ${row(summarize(e.idleMs.flat()))} |   ${row(summarize(e.pullMs.flat()))} | ${e.pullMs.map((x) => quantile(x, 0.99).toFixed(0)).join(' ')}` : '';
    out.push(`${e.name.padEnd(16)} ${median(e.samples).toFixed(0).padStart(7)} ${median(e.cpuMs).toFixed(0).padStart(7)}${api}`);
  }
  const base = engines[0] as Engine;
  out.push('');
  const paired = (a: readonly number[], b: readonly number[]) => median(a.map((x, i) => x / b[i]!)).toFixed(2);
  for (const e of engines.slice(1)) out.push(`${e.name} / ${base.name}: pull time ${(median(e.samples) / median(base.samples)).toFixed(2)} (ratio of medians), ${paired(e.samples, base.samples)} (median of per-round ratios); daemon CPU ${paired(e.cpuMs, base.cpuMs)} (per-round)`);
  return out.join('\n');
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

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) fail('run me as root');
  const docker = which('docker') ?? fail('the docker CLI is needed');
  if (!which('dockerd')) fail('docker and dockerd are needed (the image is pushed by dockerd, and docker is the yardstick)');
  if (!which('docker-registry')) fail('docker-registry is not installed (apt-get install docker-registry)');
  const loadBefore = load();
  const ws = workspace('/tmp/berth-bench-pull-', { note, keep: opts.keep });
  const tmp = ws.dir;
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
    ws.defer(() => stopChild(registry));
    await waitFor('docker-registry', () => httpOk({ host: '127.0.0.1', port, path: '/v2/' }), 15_000, registry);

    // berthd (and with --before a second one, from the earlier build) and dockerd, private (lib/daemons.ts);
    // dockerd trusts the registry over plain http.
    const berthdFrom = async (root: string, name: string, salt: number, env?: Record<string, string>) => {
      const net = privateNet('bl', 249, salt);
      const d = await startBerthd({ root, dir: join(tmp, name), bridge: net.name, bip: net.bip, ...(env ? { env: { ...process.env, ...env } } : {}) });
      ws.defer(() => d.stop());
      return d;
    };
    const berthd = await berthdFrom(repo, 'berth', 0);
    const berthEnv = berthd.env;
    const beforeD = opts.before !== undefined ? await berthdFrom(opts.before, 'berth-before', 1) : undefined;
    const variantDs = [];
    for (const [i, v] of opts.variants.entries()) variantDs.push({ ...v, d: await berthdFrom(repo, `berth-v${i}`, 2 + i, v.env) });
    const dockerd = await startDockerd({ dir: join(tmp, 'docker'), bridge: 'none', extraArgs: ['--insecure-registry', host], note });
    ws.defer(() => dockerd.stop());
    const dEnv = { ...dockerd.env, DOCKER_CONFIG: join(tmp, 'docker-config') };

    // The image, pushed once by dockerd (gzip layer, as docker makes them).
    const ref = `${host}/bench/debian:bookworm`;
    const tarPath = await debianTar();
    note(`pushing ${tarPath} as ${ref} (once)`);
    must([docker, 'import', '-c', 'CMD ["bash"]', tarPath, ref], dEnv);
    must([docker, 'push', ref], dEnv);
    must([docker, 'rmi', ref], dEnv);

    const engines: Engine[] = [];
    const berth = join(repo, 'bin', 'berth');
    const engine = (e: Omit<Engine, 'samples' | 'cpuMs' | 'idleMs' | 'pullMs' | 'pullAt' | 'probedMs'>): void => void engines.push({ ...e, samples: [], cpuMs: [], idleMs: [], pullMs: [], pullAt: [], probedMs: [] });
    const berthEngine = (name: string, what: string, d: Daemon) => engine({ name, what, pull: [berth, 'pull', '-q', ref], remove: [berth, 'rmi', ref], env: d.env, daemonPid: d.pid, sock: d.sock });
    berthEngine('berth', 'berth pull against berthd (what a berth user feels)', berthd);
    // With --loop-delay only berth's CLI against each berthd: the probe is of berthd's API.
    const peers = !opts.loopDelay && !opts.berthOnly;
    if (peers && !opts.noDockerBerthd) engine({ name: 'docker→berthd', what: "docker's CLI against berthd (berth's engine alone)", pull: [docker, 'pull', '-q', ref], remove: [docker, 'rmi', ref], env: berthEnv, daemonPid: berthd.pid });
    if (beforeD !== undefined) berthEngine('berth (before)', `berth pull against a berthd from ${opts.before}`, beforeD);
    for (const v of variantDs) berthEngine(v.name, `berth pull against a berthd of this build with ${Object.entries(v.env).map(([k, x]) => `${k}=${x}`).join(' ')}`, v.d);
    if (peers) {
      engine({ name: 'docker', what: "docker's CLI against the private dockerd", pull: [docker, 'pull', '-q', ref], remove: [docker, 'rmi', ref], env: dEnv, daemonPid: dockerd.pid });
      const podman = setupPodman({ dir: join(tmp, 'podman'), note });
      if ('skip' in podman) note(`podman: ${podman.skip}; skipped`);
      else {
        ws.defer(() => podman.cleanup());
        engine({ name: 'podman', what: 'podman with its own storage', pull: podman.argv(['pull', '-q', '--tls-verify=false', ref]), remove: podman.argv(['rmi', ref]), env: podman.env });
      }
    }

    // One untimed pull each, so that every engine meets a warm registry and page cache alike.
    for (const e of engines) {
      must(e.pull, e.env);
      must(e.remove, e.env);
    }
    for (let round = 0; round < opts.rounds; round++) {
      for (let k = 0; k < engines.length; k++) {
        const e = engines[(round + k) % engines.length] as Engine;
        await ws.tick();
        // No engine pays for the write-back of the one before it (dockerd never syncs; berthd syncs once per pull).
        must(['sync']);
        const cpu0 = e.daemonPid !== undefined ? cpuMs(e.daemonPid) : 0;
        e.samples.push(timed(e.pull, e.env));
        if (e.daemonPid !== undefined) e.cpuMs.push(cpuMs(e.daemonPid) - cpu0);
        must(e.remove, e.env);
        // With --loop-delay, a second pull with berthd's API probed (its time apart: the probe's requests cost berthd CPU).
        if (opts.loopDelay && e.sock !== undefined) {
          must(['sync']);
          const idle = startProbe(e.sock);
          await new Promise((r) => setTimeout(r, idleProbeMs));
          e.idleMs.push((await idle.stop()).ms);
          const probe = startProbe(e.sock);
          e.probedMs.push(await timedAsync(e.pull, e.env));
          const { ms, at } = await probe.stop();
          e.pullMs.push(ms);
          e.pullAt.push(at);
          must(e.remove, e.env);
        }
      }
      note(`round ${round + 1}/${opts.rounds}: ${engines.map((e) => `${e.name} ${(e.samples.at(-1) ?? 0).toFixed(0)} ms${e.pullMs.length > 0 ? ` (API p99 ${quantile(e.pullMs.at(-1) ?? [], 0.99).toFixed(1)} ms)` : ''}`).join(', ')} (load ${load()[0]})`);
    }

    const latencies = (e: Engine) => (e.pullMs.length > 0 ? { probedPullMs: e.probedMs, apiIdle: summarize(e.idleMs.flat()), apiDuringPull: summarize(e.pullMs.flat()), apiDuringPullP99ByRound: e.pullMs.map((r) => quantile(r, 0.99)), apiDuringPullSamples: e.pullMs.map((r, i) => r.map((ms, j) => [e.pullAt[i]?.[j], ms])) } : {});
    if (opts.json) {
      process.stdout.write(JSON.stringify({ bench: 'pull', date: new Date().toISOString(), loadBefore, loadAfter: load(), rounds: opts.rounds, engines: engines.map((e) => ({ name: e.name, samples: e.samples, median: median(e.samples), ...(e.cpuMs.length > 0 ? { cpuMs: e.cpuMs } : {}), ...latencies(e) })) }, null, 2) + '\n');
      return;
    }
    if (opts.loopDelay || opts.berthOnly) {
      process.stdout.write(loopDelayReport(engines, { ref, rounds: opts.rounds, loadBefore, loadAfter: load() }) + '\n');
      return;
    }
    const layerBytes = statSync(tarPath).size;
    const out = [`cold pull of ${ref} (one layer, ${(layerBytes / 1e6).toFixed(0)} MB unpacked), ${opts.rounds} rounds, median ms; load average before ${loadBefore.join(' ')}, after ${load().join(' ')}`, ''];
    for (const e of engines) out.push(`${e.name.padEnd(15)} ${median(e.samples).toFixed(0).padStart(7)}   ${e.what}${e.cpuMs.length > 0 ? `; daemon CPU ${median(e.cpuMs).toFixed(0)} ms a pull` : ''}`);
    const dockerMs = median((engines.find((e) => e.name === 'docker') as Engine).samples);
    out.push('');
    for (const e of engines) if (e.name !== 'docker') out.push(`${e.name} / docker: ${(median(e.samples) / dockerMs).toFixed(2)}${e.name === 'berth' ? '   (goal ≤ 0.40, issue 15)' : ''}`);
    const now = engines.find((e) => e.name === 'berth');
    const before = engines.find((e) => e.name === 'berth (before)');
    // Paired by round as well (both pulled in the same round): steadier under a changing load.
    if (now && before) out.push(`berth / berth (before): ${(median(now.samples) / median(before.samples)).toFixed(2)} (ratio of medians), ${median(now.samples.map((x, i) => x / before.samples[i]!)).toFixed(2)} (median of per-round ratios)`);
    process.stdout.write(out.join('\n') + '\n');
  } finally {
    await ws.cleanup();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`pull-bench: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
