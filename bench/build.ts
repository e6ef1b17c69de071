// bench/build: times a 6-step Dockerfile through berth and its peers — a cold
// build, a fully cached rebuild and a rebuild after changing one copied file —
// each engine on its own temporary daemon and roots (a private berthd; a private
// dockerd with the classic builder; podman with its own storage when
// installed, lib/podman.ts). Prints medians and ratios to docker; the goals
// (issue 15) are a fully cached rebuild at no more than 0.5× docker's time
// through `berth build` and 0.3× through the docker CLI against berthd.
// `--json` prints all samples. Run as root after `npm run build`; never
// touches /run/berth or a daemon it did not start.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { privateNet, startBerthd, startDockerd } from './lib/daemons.ts';
import { busyboxInBerthd, busyboxInDocker, busyboxRootfsTar } from './lib/images.ts';
import { load } from './lib/machine.ts';
import { setupPodman } from './lib/podman.ts';
import { logFor, median, must, repo, which } from './lib/proc.ts';

const { note, fail } = logFor('build-bench');
const argv = process.argv.slice(2);
const rounds = Number(argv[argv.indexOf('-n') + 1] ?? 5) || 5;
const json = argv.includes('--json');

function timed(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  must(cmd, args, { env, timeoutMs: 300_000 });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

interface Engine {
  readonly name: string;
  readonly build: (ctx: string, extra: readonly string[]) => number;
  readonly times: { cold: number[]; cached: number[]; changed: number[] };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) fail('run me as root');
  const loadBefore = load();
  const tmp = mkdtempSync('/tmp/berth-bench-build-');
  const stops: (() => Promise<void> | void)[] = [];
  try {
    const rootfs = busyboxRootfsTar(tmp);
    const ctx = join(tmp, 'ctx');
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'app.txt'), 'v0\n');
    writeFileSync(join(ctx, 'lib.txt'), 'library\n');
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nENV APP=/app\nRUN mkdir -p /app && echo base > /app/base\nCOPY lib.txt /app/lib.txt\nCOPY app.txt /app/app.txt\nRUN cat /app/app.txt > /app/copy\nCMD ["cat", "/app/copy"]\n');

    const engines: Engine[] = [];
    const net = privateNet('bu', 251);
    const berthd = await startBerthd({ dir: join(tmp, 'berth'), bridge: net.name, bip: net.bip });
    stops.push(() => berthd.stop());
    const berthEnv = berthd.env;
    const archive = busyboxInBerthd(berthEnv, rootfs, tmp);
    // Every engine's RUN steps use the host's network: the private dockerd has no bridge (--bridge=none),
    // so the same work is timed everywhere (berth's default bridge adds a netns + CNI per RUN step).
    engines.push({ name: 'berth', build: (c, extra) => timed(join(repo, 'bin', 'berth'), ['build', '-q', '--network', 'host', ...extra, '-t', 'bench', c], berthEnv), times: { cold: [], cached: [], changed: [] } });

    const docker = which('docker');
    // The engine alone: the same client (docker's CLI) against berthd.
    if (docker) engines.push({ name: 'docker→berthd', build: (c, extra) => timed(docker, ['build', '-q', '--network', 'host', ...extra, '-t', 'bench', c], berthEnv), times: { cold: [], cached: [], changed: [] } });
    if (docker && which('dockerd')) {
      const dockerd = await startDockerd({ dir: join(tmp, 'docker'), bridge: 'none', note });
      stops.push(() => dockerd.stop());
      const dEnv = { ...dockerd.env, DOCKER_BUILDKIT: '0' };
      busyboxInDocker(docker, dEnv, archive);
      engines.push({ name: 'docker (classic)', build: (c, extra) => timed(docker, ['build', '-q', '--network', 'host', ...extra, '-t', 'bench', c], dEnv), times: { cold: [], cached: [], changed: [] } });
    } else note('docker or dockerd not installed; skipped');
    const podman = setupPodman({ dir: join(tmp, 'podman'), note });
    if ('skip' in podman) note(`podman: ${podman.skip}; skipped`);
    else {
      stops.push(() => podman.cleanup());
      podman.load(archive);
      engines.push({
        name: 'podman',
        build: (c, extra) => {
          const [cmd, ...args] = podman.argv(['build', '-q', '--network', 'host', ...extra, '-t', 'bench', c]);
          return timed(cmd, args, podman.env);
        },
        times: { cold: [], cached: [], changed: [] },
      });
    }

    for (let round = 0; round < rounds; round++) {
      for (const e of engines) {
        writeFileSync(join(ctx, 'app.txt'), `v${round}-${e.name}-cold\n`);
        e.times.cold.push(e.build(ctx, ['--no-cache']));
        e.times.cached.push(e.build(ctx, []));
        writeFileSync(join(ctx, 'app.txt'), `v${round}-${e.name}-changed\n`);
        e.times.changed.push(e.build(ctx, []));
      }
    }
    if (json) {
      const m = (xs: number[]) => (xs.length ? median(xs) : null);
      process.stdout.write(JSON.stringify({
        bench: 'build', date: new Date().toISOString(), loadBefore, loadAfter: load(), rounds,
        engines: engines.map((e) => ({ name: e.name, times: e.times, medianMs: { cold: m(e.times.cold), cached: m(e.times.cached), changed: m(e.times.changed) } })),
      }, null, 2) + '\n');
      return;
    }
    const out: string[] = [`6-step Dockerfile, ${rounds} rounds (median ms); load average before ${loadBefore.join(' ')}, after ${load().join(' ')}`, '', `${'engine'.padEnd(18)} ${'cold'.padStart(8)} ${'cached'.padStart(8)} ${'changed'.padStart(8)}`];
    for (const e of engines) out.push(`${e.name.padEnd(18)} ${median(e.times.cold).toFixed(0).padStart(8)} ${median(e.times.cached).toFixed(0).padStart(8)} ${median(e.times.changed).toFixed(0).padStart(8)}`);
    const byName = (n: string) => engines.find((e) => e.name === n);
    const ratio = (a: string, b: string, goal?: string) => {
      const x = byName(a);
      const y = byName(b);
      if (!x || !y) return;
      out.push('', `${a} / ${b}:`);
      for (const k of ['cold', 'cached', 'changed'] as const) out.push(`  ${k.padEnd(8)} ${(median(x.times[k]) / median(y.times[k])).toFixed(2)}${k === 'cached' && goal ? `   (goal ${goal})` : ''}`);
    };
    // issue 15: a fully cached build through berth build ≤ 0.5× docker's classic builder, through the docker CLI ≤ 0.3×.
    ratio('berth', 'docker (classic)', '≤ 0.50');
    ratio('docker→berthd', 'docker (classic)', '≤ 0.30');
    if (byName('podman')) ratio('podman', 'docker (classic)');
    process.stdout.write(out.join('\n') + '\n');
  } finally {
    for (const s of stops.reverse()) {
      try {
        await s();
      } catch (e) {
        note(`cleanup: ${(e as Error).message}`);
      }
    }
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`build-bench: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
