// bench/rss: berthd's memory after a test suite has run against it — for
// issue 15's goal "berthd ≤ 80 MB after the whole test suite has run against
// it and with 50 running containers". Two ways:
//
//   --after-suite     starts a private berthd (lib/daemons.ts), runs docker-py's
//                     own integration suite against it (scripts/run-dockerpy-
//                     suite.ts --host; the suite is a fetched copy, --suite DIR),
//                     samples it fresh and again when it has been idle for 10 s
//                     after the suite, then with 50 running containers (2 s and
//                     10 s after the last start), then after their removal;
//                     stops it and removes everything.
//   --berthd-pid PID  a berthd that this bench did not start (one that has
//                     served the suite): samples it as found, then the same 50
//                     containers; it changes nothing else there and stops nothing.
//
// The 50 are `run -d busybox sleep 1000` (labelled berth-bench=<pid>) from an
// image of the bench's own (`berth-bench/busybox:<pid>`, imported from
// scripts/setup's busybox tar), removed again with that image. RSS and PSS are
// berthd's alone, with its conmons beside (lib/footprint.ts). Run as root after
// `npm run build`; see README.md.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { workspace, type Workspace } from './lib/cleanup.ts';
import { privateNet, startBerthd } from './lib/daemons.ts';
import { berthFootprint } from './lib/footprint.ts';
import { busyboxImport, busyboxRootfsTar } from './lib/images.ts';
import { load } from './lib/machine.ts';
import { logFor, repo, timeCommand } from './lib/proc.ts';
import type { RssResult } from './lib/results.ts';

const { note, fail } = logFor('rss');

/** When the second sample with the containers running is taken, after the last start. */
const settledMs = 10_000;

interface Options {
  pid?: number;
  afterSuite: boolean;
  suite: string;
  host?: string;
  execRoot?: string;
  count: number;
  network: 'default' | 'none';
  json: boolean;
  keep: boolean;
  settleMs: number;
  idleMs: number;
}

const usage = `usage: bench/rss --after-suite [--suite DIR] [--idle S] [-c COUNT] [--network default|none] [--json] [--keep]
       bench/rss --berthd-pid PID [--host unix:///path] [--exec-root DIR] [-c COUNT] [--network default|none] [--json]
--suite: docker-py's integration suite (tests/integration), default $BERTH_DOCKERPY_SUITE or /opt/berth-test/dockerpy-suite
`;

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { afterSuite: false, suite: process.env['BERTH_DOCKERPY_SUITE'] ?? '/opt/berth-test/dockerpy-suite', count: 50, network: 'default', json: false, keep: false, settleMs: 2000, idleMs: 10_000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i] ?? fail(`${a} needs a value\n${usage}`);
    if (a === '--berthd-pid' || a === '--pid') o.pid = Number(next());
    else if (a === '--after-suite') o.afterSuite = true;
    else if (a === '--suite') o.suite = resolve(next());
    else if (a === '--idle') o.idleMs = Number(next()) * 1000;
    else if (a === '--host' || a === '-H') o.host = next();
    else if (a === '--exec-root') o.execRoot = next();
    else if (a === '-c' || a === '--count') o.count = Number(next());
    else if (a === '--network') {
      const v = next();
      if (v === 'default' || v === 'none') o.network = v;
      else fail('--network is default or none');
    } else if (a === '--json') o.json = true;
    else if (a === '--keep') o.keep = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write(usage);
      process.exit(0);
    } else fail(`unknown option "${a}"\n${usage}`);
  }
  if (o.afterSuite === (o.pid !== undefined)) fail(`either --after-suite or --berthd-pid PID\n${usage}`);
  if (o.pid !== undefined && !Number.isInteger(o.pid)) fail('--berthd-pid needs a process id');
  if (!Number.isInteger(o.count) || o.count < 0) fail('-c needs a whole number');
  if (!Number.isFinite(o.idleMs) || o.idleMs < 0) fail('--idle needs seconds');
  if (o.afterSuite && !existsSync(join(o.suite, 'tests', 'integration'))) {
    fail(`no docker-py suite at ${o.suite} (tests/integration of docker-py's repository, as scripts/run-dockerpy-suite.ts runs it; --suite DIR or BERTH_DOCKERPY_SUITE)`);
  }
  return o;
}

/** The value of `--flag v` or `--flag=v` in a daemon's argv. */
function flag(argv: readonly string[], names: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    for (const n of names) {
      if (a === n) return argv[i + 1];
      if (a.startsWith(`${n}=`)) return a.slice(n.length + 1);
    }
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The berthd of --berthd-pid: its socket and exec root, from its command line unless given. */
function foundBerthd(o: Options & { pid: number }): { host: string; execRoot: string } {
  let argv: string[] = [];
  try {
    argv = readFileSync(`/proc/${o.pid}/cmdline`, 'utf8').split('\0').filter((x) => x !== '');
  } catch {
    fail(`no process ${o.pid}`);
  }
  if (!argv.some((a) => a.includes('berthd'))) fail(`process ${o.pid} is not a berthd: ${argv.join(' ')}`);
  if (flag(argv, ['--config-file']) && (!o.execRoot || !o.host)) note('berthd runs with --config-file: pass --exec-root and --host when they are set there');
  return { host: o.host ?? flag(argv, ['--host', '-H']) ?? 'unix:///run/berth/berth.sock', execRoot: o.execRoot ?? flag(argv, ['--exec-root']) ?? '/run/berth' };
}

/** Runs docker-py's integration suite against the berthd at `host` (run-dockerpy-suite.ts --host); its output goes to stderr. */
async function runSuite(ws: Workspace, o: Options, host: string): Promise<NonNullable<RssResult['suite']>> {
  const out = join(ws.dir, 'suite-results');
  const t0 = Date.now();
  note(`running docker-py's integration suite from ${o.suite} against ${host} (several minutes)`);
  const child = spawn(process.execPath, ['--import', join(repo, 'node_modules', 'tsx', 'dist', 'loader.mjs'), join(repo, 'scripts', 'run-dockerpy-suite.ts'), o.suite, '--host', host, '--out', out], { stdio: ['ignore', 2, 'inherit'] });
  ws.defer(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });
  const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
  const seconds = Math.round((Date.now() - t0) / 1000);
  const xml = join(out, 'berthd.xml');
  if (!existsSync(xml)) throw new Error(`the suite wrote no ${xml} (exit ${code})`);
  // pytest's JUnit XML: one <testsuite> with the counts.
  const head = /<testsuite\b[^>]*>/.exec(readFileSync(xml, 'utf8'))?.[0] ?? '';
  const count = (attr: string) => Number(new RegExp(`\\b${attr}="(\\d+)"`).exec(head)?.[1] ?? NaN);
  const tests = count('tests');
  const failures = count('failures');
  const errors = count('errors');
  const skipped = count('skipped');
  return { dir: o.suite, seconds, exitCode: code, tests, passed: tests - failures - errors - skipped, failures, errors, skipped };
}

/** Starts `count` containers from an image of the bench's own, samples, removes them and the image (also on an interrupt). */
async function withContainers(ws: Workspace, o: Options, env: NodeJS.ProcessEnv, sample: (name: string) => void): Promise<{ startMs: number | null; rmMs: number | null }> {
  const berth = join(repo, 'bin', 'berth');
  const tag = `berth-bench/busybox:${process.pid}`;
  const ids: string[] = [];
  let imported = false;
  let startMs: number | null = null;
  let rmMs: number | null = null;
  const removeAll = () => {
    if (ids.length > 0) {
      const r = timeCommand(berth, ['rm', '-f', ...ids.splice(0)], env, 300_000);
      if (!r.ok) note(`rm -f: ${r.err}`);
      else rmMs = r.ms;
    }
    if (imported) {
      imported = false;
      const r = timeCommand(berth, ['rmi', tag], env);
      if (!r.ok) note(`rmi ${tag}: ${r.err}`);
    }
  };
  ws.defer(removeAll);
  try {
    busyboxImport(env, busyboxRootfsTar(ws.dir), repo, tag);
    imported = true;
    const net = o.network === 'none' ? ['--network', 'none'] : [];
    let total = 0;
    for (let i = 0; i < o.count; i++) {
      await ws.tick();
      const r = timeCommand(berth, ['run', '-d', ...net, '--label', `berth-bench=${process.pid}`, tag, 'sleep', '1000'], env, 120_000);
      if (!r.ok) throw new Error(`run ${i + 1}: ${r.err}`);
      ids.push(r.stdout.trim());
      total += r.ms;
    }
    startMs = total;
    await sleep(o.settleMs);
    sample(`with ${o.count} running`);
    // The sample 2 s after the last start can land before, in or after berthd's trim (2 s after its last
    // request): this one, later, is the daemon settled with them running. The goal reads the one above.
    await sleep(settledMs - o.settleMs);
    sample(`${o.count} running, ${settledMs / 1000} s after the last start`);
  } finally {
    removeAll();
  }
  await sleep(o.settleMs);
  sample(`after removing the ${o.count}`);
  return { startMs, rmMs };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) fail('run me as root (to read the daemon’s memory maps)');
  const loadBefore = load();
  const ws = workspace('/tmp/berth-bench-rss-', { note, keep: o.keep });
  let result: RssResult;
  try {
    const samples: RssResult['samples'] = [];
    const loads: number[][] = [];
    let pid: number;
    let host: string;
    let execRoot: string;
    let suite: RssResult['suite'];
    if (o.afterSuite) {
      const net = privateNet('bs', 246);
      const d = await startBerthd({ dir: join(ws.dir, 'berth'), bridge: net.name, bip: net.bip });
      ws.defer(() => d.stop());
      [pid, host, execRoot] = [d.pid, `unix://${d.sock}`, d.dir];
    } else {
      pid = o.pid!;
      ({ host, execRoot } = foundBerthd({ ...o, pid }));
    }
    const sample = (name: string) => {
      samples.push({ name, footprint: berthFootprint(pid, execRoot) });
      loads.push(load());
    };
    if (o.afterSuite) {
      await sleep(o.settleMs);
      sample('fresh');
      suite = await runSuite(ws, o, host);
      await sleep(o.idleMs);
      sample(`idle ${o.idleMs / 1000} s after the suite`);
    } else sample('as found');
    const env = { ...process.env, DOCKER_HOST: host };
    const timing = o.count > 0 ? await withContainers(ws, o, env, sample) : { startMs: null, rmMs: null };
    result = { bench: 'rss', date: new Date().toISOString(), loadBefore, loadAfter: load(), pid, host, count: o.count, network: o.network, samples, sampleLoads: loads, ...timing, ...(suite ? { suite } : {}) };
  } finally {
    await ws.cleanup();
  }
  if (o.json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return;
  }
  const mib = (k: number) => (k / 1024).toFixed(1);
  const s = result.suite;
  const out = [`berthd ${result.pid} (${result.host}${s ? ', private, started by the bench' : ''}), load average before ${loadBefore.join(' ')}, after ${result.loadAfter.join(' ')}`];
  if (s) out.push(`  docker-py's integration suite (${s.dir}): ${s.tests} tests in ${s.seconds} s: ${s.passed} passed, ${s.failures} failed, ${s.errors} errors, ${s.skipped} skipped`);
  const width = Math.max(...result.samples.map((x) => x.name.length));
  result.samples.forEach((x, i) => {
    const f = x.footprint;
    out.push(`  ${x.name.padEnd(width)} berthd RSS ${mib(f.daemon.rss).padStart(6)} MiB, PSS ${mib(f.daemon.pss).padStart(6)} MiB; ${f.perContainer.n} conmon, RSS ${mib(f.perContainer.rss)} MiB in all (load ${result.sampleLoads?.[i]?.join(' ') ?? '?'})`);
  });
  out.push('  goal (issue 15): berthd RSS ≤ 80 MB after the whole test suite and with 50 running containers');
  process.stdout.write(out.join('\n') + '\n');
}

await main().catch((e: unknown) => fail((e as Error).stack ?? String(e)));
