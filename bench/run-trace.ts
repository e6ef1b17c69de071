// bench/run-latency --trace: where the time of one `docker run --rm --network
// none busybox true` goes inside berthd. Starts a private berthd with
// BERTH_TRACE (src/lib/trace.ts) pointing into its temp dir, runs the command
// (after one untimed warm-up), and prints berthd's spans as a waterfall against
// the client's own wall time; with -n N it also prints each span's median over
// the N runs. `--floor` adds, interleaved with the traced runs, the floor the
// issue measures against: `docker --version` (the docker CLI's start) and bare
// `runc run` of a prepared busybox bundle. `--before DIR` adds, interleaved too,
// the same run against a second private berthd started from DIR/bin/berthd (a
// copy of an earlier build), for before/after comparisons; `--untraced` runs
// the current berthd without BERTH_TRACE (so that an A/B pays no tracing). Never touches
// /run/berth or another daemon; removes everything it made. Run as root.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { workspace } from './lib/cleanup.ts';
import { privateNet, startBerthd, type Daemon } from './lib/daemons.ts';
import { traceMany, type TracedDaemon } from './many-trace.ts';
import { busyboxRootfsTar } from './lib/images.ts';
import { logFor, median, must, repo, which } from './lib/proc.ts';

interface Span { span: string; start: number; ms: number; ok: boolean; container?: string; argv?: string; path?: string }

const { note, fail } = logFor('run-trace');

interface Options { rounds: number; floor: boolean; before?: string; json: boolean; untraced: boolean; bridge: boolean; detach: boolean; many?: number }

const usage = `usage: bench/run-latency --trace [-n N] [--floor] [--before DIR] [--untraced] [--bridge] [--detach] [--json]
       bench/run-latency --trace --many COUNT [-n ROUNDS] [--network none] [--before DIR] [--untraced] [--json]
`;

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { rounds: 1, floor: false, json: false, untraced: false, bridge: false, detach: false };
  let network: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-n' || a === '--rounds') o.rounds = Number(argv[++i]);
    else if (a === '--floor') o.floor = true;
    else if (a === '--before') o.before = resolve(argv[++i] ?? fail('--before needs a directory'));
    else if (a === '--json') o.json = true;
    else if (a === '--untraced') o.untraced = true;
    else if (a === '--bridge') o.bridge = true;
    else if (a === '--detach') o.detach = true;
    else if (a === '--many') o.many = Number(argv[++i]);
    else if (a === '--network') network = argv[++i];
    else if (a === '-h' || a === '--help') {
      process.stdout.write(usage);
      process.exit(0);
    } else fail(`unknown option "${a}"`);
  }
  if (!Number.isInteger(o.rounds) || o.rounds < 1) fail('-n needs a positive integer');
  if (o.many !== undefined && (!Number.isInteger(o.many) || o.many < 1)) fail('--many needs a positive integer');
  if (network !== undefined && (o.many === undefined || (network !== 'none' && network !== 'default'))) fail('--network none|default goes with --many (single runs: --bridge)');
  if (o.many !== undefined) o.bridge = network !== 'none';
  return o;
}

function timeRun(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): { ms: number; t0: number; stdout: string } {
  const t0 = Date.now();
  const h0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 60_000 });
  const ms = Number(process.hrtime.bigint() - h0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${(r.stderr ?? '').trim().split('\n')[0] ?? r.status}`);
  return { ms, t0, stdout: r.stdout ?? '' };
}

function readSpans(file: string, from: number): { spans: Span[]; end: number } {
  const buf = existsSync(file) ? readFileSync(file) : Buffer.alloc(0);
  const text = buf.subarray(from).toString('utf8');
  const spans = text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Span);
  return { spans, end: buf.length };
}

function waterfall(spans: readonly Span[], t0: number, total: number): string {
  const out = [`client wall time ${total.toFixed(1)} ms; offsets from the client's spawn`, `${'start'.padStart(8)} ${'ms'.padStart(8)}  span`];
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    const extra = [s.argv, s.path].filter((x) => x).join(' ');
    out.push(`${(s.start - t0).toFixed(1).padStart(8)} ${s.ms.toFixed(1).padStart(8)}  ${s.span}${extra ? ` (${extra})` : ''}${s.ok ? '' : ' [failed]'}`);
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) fail('run me as root');
  if (!existsSync(join(repo, 'dist', 'berthd.mjs'))) fail('dist/ is not built (npm run build)');
  const docker = which('docker') ?? fail('the docker CLI is not installed');
  const ws = workspace('/tmp/berth-bench-', { note });
  const tmp = ws.dir;
  // Its daemons' bridges and subnets: bt<pid>, 10.252.x.0/24 (and the next for --before).
  const start = async (root: string, dir: string, salt: number, env: NodeJS.ProcessEnv) => {
    const net = privateNet('bt', 252, salt);
    const d = await startBerthd({ root, dir, bridge: net.name, bip: net.bip, env, stderr: o.many === undefined ? 'inherit' : 'ignore' });
    ws.defer(() => d.stop());
    return d;
  };
  try {
    const tarPath = busyboxRootfsTar(tmp);
    const traceFile = join(tmp, 'trace.jsonl');
    const now = await start(repo, join(tmp, 'now'), 0, o.untraced ? process.env : { ...process.env, BERTH_TRACE: traceFile });
    const nowEnv = now.env;
    must(docker, ['import', '-c', 'CMD ["sh"]', tarPath, 'busybox:latest'], { env: nowEnv });
    let beforeEnv: NodeJS.ProcessEnv | undefined;
    let beforeDaemon: Daemon | undefined;
    if (o.before) {
      const b = await start(o.before, join(tmp, 'before'), 1, process.env);
      beforeDaemon = b;
      beforeEnv = b.env;
      must(docker, ['import', '-c', 'CMD ["sh"]', tarPath, 'busybox:latest'], { env: beforeEnv });
    }
    if (o.many !== undefined) {
      const daemons: TracedDaemon[] = [{ name: 'now', daemon: now, ...(o.untraced ? {} : { traceFile }) }];
      if (beforeDaemon) daemons.push({ name: 'before', daemon: beforeDaemon });
      // One untimed start and removal each (page cache, the image's first use, the bridge and its NAT rule).
      for (const d of daemons) {
        const id = must(docker, ['run', '-d', ...(o.bridge ? [] : ['--network', 'none']), 'busybox', 'sleep', '1000'], { env: d.daemon.env }).trim();
        must(docker, ['rm', '-f', id], { env: d.daemon.env });
      }
      await traceMany(ws, daemons, docker, { count: o.many, rounds: o.rounds, network: o.bridge ? 'default' : 'none', json: o.json });
      return;
    }
    // --detach: `run -d … sleep` (its removal after each round, untimed and out of the trace); --bridge: the default network.
    const runArgs = ['run', ...(o.detach ? ['-d'] : ['--rm']), ...(o.bridge ? [] : ['--network', 'none']), 'busybox', ...(o.detach ? ['sleep', '1000'] : ['true'])];
    const detached: { env: NodeJS.ProcessEnv; id: string }[] = [];
    const removeDetached = () => {
      for (const d of detached.splice(0)) spawnSync(docker, ['rm', '-f', d.id], { env: d.env, stdio: 'ignore' });
    };
    type Case = { name: string; run: () => { ms: number; t0: number }; samples: number[] };
    const runDetachable = (env: NodeJS.ProcessEnv) => {
      const r = timeRun(docker, runArgs, env);
      if (o.detach) detached.push({ env, id: r.stdout.trim() });
      return r;
    };
    const cases: Case[] = [{ name: 'docker→berthd (now)', run: () => runDetachable(nowEnv), samples: [] }];
    let runcArgs: (() => string[]) | undefined;
    if (o.floor) {
      const bundle = join(tmp, 'bundle');
      mkdirSync(join(bundle, 'rootfs'), { recursive: true });
      must('tar', ['-xf', tarPath, '-C', join(bundle, 'rootfs')]);
      must('runc', ['spec'], { cwd: bundle });
      const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as { process: { args: string[]; terminal: boolean }; root: { path: string } };
      spec.process.args = ['true'];
      spec.process.terminal = false;
      spec.root.path = join(bundle, 'rootfs');
      writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
      let seq = 0;
      runcArgs = () => ['--root', join(tmp, 'runc-state'), 'run', '--bundle', bundle, `trace-${process.pid}-${seq++}`];
      // The same floor with the spec berthd writes (seccomp, masked paths, its mounts): a running
      // container's config.json, its root and args pointed at the prepared rootfs and `true`.
      const id = must(docker, ['run', '-d', '--network', 'none', 'busybox', 'sleep', '600'], { env: nowEnv }).trim();
      const real = JSON.parse(readFileSync(join(tmp, 'now', 'exec', 'containers', id, 'config.json'), 'utf8')) as { process: { args: string[]; terminal: boolean }; root: { path: string }; linux: Record<string, unknown> };
      real.process.args = ['true'];
      real.process.terminal = false;
      real.root.path = join(bundle, 'rootfs');
      delete real.linux['cgroupsPath'];
      // Its bind mounts (hostname, hosts, resolv.conf) come from the container's dir: keep copies.
      const files = join(tmp, 'berth-spec-files');
      mkdirSync(files, { recursive: true });
      const mounts = (real as unknown as { mounts: { source: string; type?: string }[] }).mounts;
      for (const m of mounts) {
        if (m.type === 'bind' && m.source.startsWith(join(tmp, 'now'))) {
          const copy = join(files, m.source.split('/').pop() ?? 'x');
          writeFileSync(copy, readFileSync(m.source));
          m.source = copy;
        }
      }
      must(docker, ['rm', '-f', id], { env: nowEnv });
      const berthBundle = join(tmp, 'bundle-berth-spec');
      mkdirSync(berthBundle, { recursive: true });
      writeFileSync(join(berthBundle, 'config.json'), JSON.stringify(real));
      cases.push({ name: "runc run (berthd's spec)", run: () => timeRun('runc', ['--root', join(tmp, 'runc-state'), 'run', '--bundle', berthBundle, `trace-b-${process.pid}-${seq++}`]), samples: [] });
    }
    if (beforeEnv) { const env = beforeEnv; cases.push({ name: 'docker→berthd (before)', run: () => runDetachable(env), samples: [] }); }
    if (runcArgs) {
      const ra = runcArgs;
      cases.push({ name: 'docker --version', run: () => timeRun(docker, ['--version']), samples: [] });
      cases.push({ name: 'runc run', run: () => timeRun('runc', ra()), samples: [] });
    }
    // Untimed, after each run: berthd's removal of an --rm container ends after its answer.
    const settled = async () => {
      await now.settled();
      await beforeDaemon?.settled();
    };
    for (const c of cases) {
      c.run(); // warm-up
      await settled();
    }
    removeDetached();
    await new Promise((res) => setTimeout(res, 100));
    let offset = readSpans(traceFile, 0).end;
    const perSpan = new Map<string, number[]>();
    const falls: { ms: number; text: string }[] = [];
    for (let round = 0; round < o.rounds; round++) {
      const shift = round % cases.length;
      for (const c of [...cases.slice(shift), ...cases.slice(0, shift)]) {
        await ws.tick();
        const r = c.run();
        await settled();
        c.samples.push(r.ms);
        if (c !== cases[0]) continue;
        await new Promise((res) => setTimeout(res, 50)); // berthd's trace stream flushes
        const { spans, end } = readSpans(traceFile, offset);
        offset = end;
        if (o.detach) {
          // Out of the trace: the removals of this round's containers.
          removeDetached();
          await new Promise((res) => setTimeout(res, 50));
          offset = readSpans(traceFile, offset).end;
        }
        falls.push({ ms: r.ms, text: waterfall(spans, r.t0, r.ms) });
        const seen = new Map<string, number>();
        for (const s of spans) seen.set(s.span, (seen.get(s.span) ?? 0) + s.ms);
        for (const [k, v] of seen) perSpan.set(k, [...(perSpan.get(k) ?? []), v]);
      }
    }
    const load = loadavg().map((x) => x.toFixed(2)).join(' ');
    const med = new Map(cases.map((c) => [c.name, median(c.samples)]));
    if (o.json) {
      process.stdout.write(JSON.stringify({ rounds: o.rounds, load, cases: cases.map((c) => ({ name: c.name, medianMs: med.get(c.name), samplesMs: c.samples })), spans: Object.fromEntries([...perSpan].map(([k, v]) => [k, { medianMs: median(v), n: v.length }])) }, null, 2) + '\n');
      return;
    }
    // The run whose wall time is the median one: a typical run, not the last (which the load may have hit).
    const typical = [...falls].sort((a, b) => a.ms - b.ms)[Math.floor((falls.length - 1) / 2)]?.text ?? '';
    const out = o.untraced ? [] : [`the traced run of median wall time (of ${o.rounds}):`, typical, ''];
    if (o.rounds > 1 && !o.untraced) {
      out.push(`span medians over ${o.rounds} runs (a span seen more than once in a run is summed):`);
      for (const [k, v] of [...perSpan].sort((a, b) => median(b[1]) - median(a[1]))) out.push(`${median(v).toFixed(1).padStart(8)}  ${k}${v.length < o.rounds ? ` (in ${v.length} runs)` : ''}`);
      out.push('');
    }
    out.push(`interleaved medians over ${o.rounds} rounds (load average ${load}):`);
    for (const c of cases) out.push(`${med.get(c.name)!.toFixed(1).padStart(8)} ms  ${c.name}`);
    const floor = (med.get('docker --version') ?? NaN) + (med.get('runc run') ?? NaN);
    if (Number.isFinite(floor)) {
      out.push(`${floor.toFixed(1).padStart(8)} ms  floor (docker --version + runc run)`);
      for (const c of cases.filter((x) => x.name.startsWith('docker→'))) out.push(`${(med.get(c.name)! - floor).toFixed(1).padStart(8)} ms  ${c.name} above the floor (goal ≤ 20)`);
    }
    const before = cases.find((c) => c.name === 'docker→berthd (before)');
    if (before) {
      out.push(`${(med.get('docker→berthd (now)')! / med.get('docker→berthd (before)')!).toFixed(2).padStart(8)}     now / before (ratio of medians)`);
      // Paired by round (both ran within the same round): less sensitive to the load drifting.
      const paired = cases[0]!.samples.map((x, i) => x / before.samples[i]!);
      out.push(`${median(paired).toFixed(2).padStart(8)}     now / before (median of per-round ratios)`);
    }
    process.stdout.write(out.join('\n') + '\n');
  } finally {
    await ws.cleanup();
  }
}

await main().catch((e: unknown) => fail((e as Error).stack ?? String(e)));
