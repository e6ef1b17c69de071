// bench/build: times a 6-step Dockerfile through berth and its peers — a cold
// build, a fully cached rebuild and a rebuild after changing one copied file —
// each engine on its own temporary daemon and roots (a private berthd; a private
// dockerd with the classic builder; podman with its own storage when
// installed, lib/podman.ts). Prints medians and ratios to docker; the goals
// (issue 15) are a fully cached rebuild at no more than 0.5× docker's time
// through `berth build` and 0.3× through the docker CLI against berthd.
// `--before DIR` adds a second private berthd started from an earlier build
// (DIR/bin/berthd: a copy of bin/, dist/, native/ and a node_modules link),
// timed through DIR/bin/berth and through the docker CLI in the same rounds,
// and prints now/before; `--cached-only` fills each engine's cache once and
// then times only fully cached rebuilds, one per engine per round, the order
// rotating; `--cached N` times N fully cached rebuilds after each cold one
// (default 4: a cached build takes 15-60 ms, so one sample a round is noisy);
// `--no-podman` leaves podman out; `--floor` adds the docker CLI
// against a stand-in daemon that does no work (the CLI's own part) and prints
// each engine's time above it. `--json` prints all samples.
// Run as root after `npm run build`; never touches /run/berth or a daemon it
// did not start.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { workspace } from './lib/cleanup.ts';
import { privateNet, startBerthd, startDockerd, startStandIn } from './lib/daemons.ts';
import { busyboxImport, busyboxInBerthd, busyboxInDocker, busyboxRootfsTar } from './lib/images.ts';
import { load } from './lib/machine.ts';
import { setupPodman } from './lib/podman.ts';
import { logFor, median, must, repo, rotate, which } from './lib/proc.ts';

const { note, fail } = logFor('build-bench');

interface Options {
  rounds: number;
  json: boolean;
  keep: boolean;
  /** An earlier build (bin/, dist/, native/, node_modules) whose berthd and berth are timed beside this one's. */
  before?: string;
  cachedOnly: boolean;
  podman: boolean;
  /** Also time the docker CLI against a stand-in daemon that does nothing (the CLI's own part). */
  floor: boolean;
  /** Fully cached rebuilds timed per engine per round, one after the other (a cached build is short: one sample a round is noisy). */
  cached: number;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { rounds: 5, json: false, keep: false, cachedOnly: false, podman: true, floor: false, cached: 4 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-n' || a === '--rounds') o.rounds = Number(argv[++i]);
    else if (a === '--json') o.json = true;
    else if (a === '--keep') o.keep = true;
    else if (a === '--before') o.before = resolve(argv[++i] ?? fail('--before needs a directory'));
    else if (a === '--cached-only') o.cachedOnly = true;
    else if (a === '--no-podman') o.podman = false;
    else if (a === '--floor') o.floor = true;
    else if (a === '--cached') o.cached = Number(argv[++i]);
    else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: bench/build [-n|--rounds N] [--cached N] [--before DIR] [--cached-only] [--no-podman] [--floor] [--json] [--keep]\n');
      process.exit(0);
    } else fail(`unknown option "${a}" (see bench/build --help)`);
  }
  if (!Number.isInteger(o.rounds) || o.rounds < 1) fail('-n needs a positive integer');
  if (!Number.isInteger(o.cached) || o.cached < 1) fail('--cached needs a positive integer');
  if (o.before !== undefined && !existsSync(join(o.before, 'bin', 'berthd'))) fail(`--before ${o.before}: no bin/berthd there`);
  return o;
}

function timed(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  must(cmd, args, { env, timeoutMs: 300_000 });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const phases = ['cold', 'cached', 'changed'] as const;

interface Engine {
  readonly name: string;
  readonly build: (ctx: string, extra: readonly string[]) => number;
  readonly times: Record<(typeof phases)[number], number[]>;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) fail('run me as root');
  const loadBefore = load();
  const ws = workspace('/tmp/berth-bench-build-', { note, keep: o.keep });
  const tmp = ws.dir;
  try {
    const rootfs = busyboxRootfsTar(tmp);
    const ctx = join(tmp, 'ctx');
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'app.txt'), 'v0\n');
    writeFileSync(join(ctx, 'lib.txt'), 'library\n');
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nENV APP=/app\nRUN mkdir -p /app && echo base > /app/base\nCOPY lib.txt /app/lib.txt\nCOPY app.txt /app/app.txt\nRUN cat /app/app.txt > /app/copy\nCMD ["cat", "/app/copy"]\n');

    const engines: Engine[] = [];
    // Every engine's RUN steps use the host's network: the private dockerd has no bridge (--bridge=none),
    // so the same work is timed everywhere (berth's default bridge adds a netns + CNI per RUN step).
    const buildArgs = (c: string, extra: readonly string[]) => ['build', '-q', '--network', 'host', ...extra, '-t', 'bench', c];
    const add = (name: string, cmd: string, env: NodeJS.ProcessEnv) => engines.push({ name, build: (c, extra) => timed(cmd, buildArgs(c, extra), env), times: { cold: [], cached: [], changed: [] } });
    const docker = which('docker');
    /** A private berthd from `root`, timed through `root`'s berth CLI and (the engine alone) through the docker CLI. */
    const berthEngines = async (root: string, suffix: string, salt: number) => {
      const net = privateNet('bu', 251, salt);
      const d = await startBerthd({ root, dir: join(tmp, suffix ? 'berth-before' : 'berth'), bridge: net.name, bip: net.bip });
      ws.defer(() => d.stop());
      add(`berth${suffix}`, join(root, 'bin', 'berth'), d.env);
      if (docker) add(`docker→berthd${suffix}`, docker, d.env);
      return d.env;
    };
    const berthEnv = await berthEngines(repo, '', 0);
    const archive = busyboxInBerthd(berthEnv, rootfs, tmp);
    if (o.before !== undefined) busyboxImport(await berthEngines(o.before, ' (before)', 1), rootfs, o.before);

    if (docker && which('dockerd')) {
      const dockerd = await startDockerd({ dir: join(tmp, 'docker'), bridge: 'none', note });
      ws.defer(() => dockerd.stop());
      const dEnv = { ...dockerd.env, DOCKER_BUILDKIT: '0' };
      busyboxInDocker(docker, dEnv, archive);
      add('docker (classic)', docker, dEnv);
    } else note('docker or dockerd not installed; skipped');
    if (o.floor && docker) {
      // The floor: the docker CLI against a daemon that answers at once (lib/daemons.ts startStandIn).
      const standIn = await startStandIn(join(tmp, 'stand-in'));
      ws.defer(() => standIn.stop());
      add('docker→stand-in', docker, { ...standIn.env, DOCKER_BUILDKIT: '0' });
    }
    const podman = o.podman ? setupPodman({ dir: join(tmp, 'podman'), note }) : { skip: 'left out (--no-podman)' };
    if ('skip' in podman) note(`podman: ${podman.skip}; skipped`);
    else {
      ws.defer(() => podman.cleanup());
      podman.load(archive);
      engines.push({
        name: 'podman',
        build: (c, extra) => {
          const [cmd, ...args] = podman.argv(buildArgs(c, extra));
          return timed(cmd, args, podman.env);
        },
        times: { cold: [], cached: [], changed: [] },
      });
    }

    if (o.cachedOnly) {
      // One build each fills the cache; then only cached rebuilds are timed, one per engine per round, the order rotating.
      writeFileSync(join(ctx, 'app.txt'), 'cached\n');
      for (const e of engines) e.build(ctx, []);
      for (let round = 0; round < o.rounds; round++) {
        for (const e of rotate(engines, round)) {
          await ws.tick();
          e.times.cached.push(e.build(ctx, []));
        }
      }
    } else {
      for (let round = 0; round < o.rounds; round++) {
        for (const e of engines) {
          await ws.tick();
          writeFileSync(join(ctx, 'app.txt'), `v${round}-${e.name}-cold\n`);
          e.times.cold.push(e.build(ctx, ['--no-cache']));
          for (let j = 0; j < o.cached; j++) e.times.cached.push(e.build(ctx, []));
          writeFileSync(join(ctx, 'app.txt'), `v${round}-${e.name}-changed\n`);
          e.times.changed.push(e.build(ctx, []));
        }
      }
    }
    const m = (xs: readonly number[]) => (xs.length ? median(xs) : null);
    if (o.json) {
      process.stdout.write(JSON.stringify({
        bench: 'build', date: new Date().toISOString(), loadBefore, loadAfter: load(), rounds: o.rounds, cachedPerRound: o.cachedOnly ? 1 : o.cached,
        engines: engines.map((e) => ({ name: e.name, times: e.times, medianMs: { cold: m(e.times.cold), cached: m(e.times.cached), changed: m(e.times.changed) } })),
      }, null, 2) + '\n');
      return;
    }
    const cell = (xs: readonly number[]) => (xs.length ? median(xs).toFixed(0) : '-').padStart(8);
    const w = Math.max(18, ...engines.map((e) => e.name.length + 1));
    const out: string[] = [`6-step Dockerfile${o.cachedOnly ? ', fully cached rebuilds only' : `, ${o.cached} cached rebuilds a round`}, ${o.rounds} rounds (median ms); load average before ${loadBefore.join(' ')}, after ${load().join(' ')}`, '', `${'engine'.padEnd(w)} ${'cold'.padStart(8)} ${'cached'.padStart(8)} ${'changed'.padStart(8)}`];
    for (const e of engines) out.push(`${e.name.padEnd(w)} ${cell(e.times.cold)} ${cell(e.times.cached)} ${cell(e.times.changed)}`);
    const byName = (n: string) => engines.find((e) => e.name === n);
    const ratio = (a: string, b: string, goal?: string) => {
      const x = byName(a);
      const y = byName(b);
      if (!x || !y) return;
      out.push('', `${a} / ${b}:`);
      for (const k of phases) {
        if (x.times[k].length === 0 || y.times[k].length === 0) continue;
        // Paired by round as well (the same round ran both, close in time): steadier under a changing load.
        const paired = x.times[k].length === y.times[k].length ? `, median of per-round ratios ${median(x.times[k].map((v, i) => v / y.times[k][i]!)).toFixed(2)}` : '';
        out.push(`  ${k.padEnd(8)} ${(median(x.times[k]) / median(y.times[k])).toFixed(2)}${paired}${k === 'cached' && goal ? `   (goal ${goal})` : ''}`);
      }
    };
    // issue 15: a fully cached build through berth build ≤ 0.5× docker's classic builder, through the docker CLI ≤ 0.3×.
    ratio('berth', 'docker (classic)', '≤ 0.50');
    ratio('docker→berthd', 'docker (classic)', '≤ 0.30');
    if (byName('podman')) ratio('podman', 'docker (classic)');
    // now / before (--before).
    ratio('berth', 'berth (before)');
    ratio('docker→berthd', 'docker→berthd (before)');
    // --floor: what the engine adds to the docker CLI's own part.
    const floor = byName('docker→stand-in');
    if (floor) {
      out.push('', 'above the floor (docker→stand-in), median of per-round differences, ms:');
      for (const name of ['docker→berthd', 'docker→berthd (before)', 'docker (classic)']) {
        const e = byName(name);
        if (!e) continue;
        const cells = phases.filter((k) => e.times[k].length > 0 && e.times[k].length === floor.times[k].length).map((k) => `${k} ${median(e.times[k].map((v, i) => v - floor.times[k][i]!)).toFixed(1)}`);
        out.push(`  ${name.padEnd(24)} ${cells.join(', ')}`);
      }
    }
    process.stdout.write(out.join('\n') + '\n');
  } finally {
    await ws.cleanup();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`build-bench: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
