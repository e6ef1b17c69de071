// bench/many: the 50-container case of issue 15 — `run -d busybox sleep 1000`
// 50 times, then one `rm -f` of the 50 — for berth (its CLI against berthd),
// the docker CLI against berthd (berth's engine alone), the docker CLI against
// dockerd, and podman; each engine's 50 starts and its removal timed
// separately, one engine after the other per round, the order rotating every
// round (interleaved). Also the daemons' memory: fresh, idle with the image,
// with the 50 running, and after their removal, with what each engine keeps
// per running container (lib/footprint.ts says what is counted). Private
// daemons and podman storage only (lib/daemons.ts, lib/podman.ts), all
// removed afterwards. Run as root after `npm run build`; see README.md.
import { join } from 'node:path';
import { workspace } from './lib/cleanup.ts';
import { startBerthd, startDockerd, privateNet, type Daemon } from './lib/daemons.ts';
import { berthFootprint, dockerFootprint, podmanFootprint, type Footprint } from './lib/footprint.ts';
import { busyboxInBerthd, busyboxInDocker, busyboxRootfsTar, image } from './lib/images.ts';
import { load } from './lib/machine.ts';
import { setupPodman } from './lib/podman.ts';
import { logFor, median, repo, rotate, timeCommand, which } from './lib/proc.ts';
import { memOf } from './lib/rss.ts';
import { printMany, type ManyResult } from './many-report.ts';

const { note, fail } = logFor('many');

interface Options {
  rounds: number;
  count: number;
  network: 'default' | 'none';
  json: boolean;
  keep: boolean;
  settleMs: number;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { rounds: 3, count: 50, network: 'default', json: false, keep: false, settleMs: 2000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-n' || a === '--rounds') o.rounds = Number(argv[++i]);
    else if (a === '-c' || a === '--count') o.count = Number(argv[++i]);
    else if (a === '--network') {
      const v = argv[++i];
      if (v === 'default' || v === 'none') o.network = v;
      else fail('--network is default or none');
    } else if (a === '--json') o.json = true;
    else if (a === '--keep') o.keep = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: bench/many [-n ROUNDS] [-c COUNT] [--network default|none] [--json] [--keep]\n');
      process.exit(0);
    } else fail(`unknown option "${a}" (see bench/many --help)`);
  }
  if (!Number.isInteger(o.rounds) || o.rounds < 1) fail('-n needs a positive integer');
  if (!Number.isInteger(o.count) || o.count < 1) fail('-c needs a positive integer');
  return o;
}

interface Engine {
  readonly name: string;
  readonly what: string;
  readonly argv: (args: readonly string[]) => [string, ...string[]];
  readonly env: NodeJS.ProcessEnv;
  readonly footprint: () => Footprint;
  /** Waits for what the engine does after answering (berthd's purges of removed containers); untimed. */
  readonly settled?: () => Promise<void>;
  /** Flags of `rm` besides -f: podman's `rm -f` stops with SIGTERM and waits 10 s first; `-t 0` kills at once, as docker's `rm -f` does. */
  readonly rmFlags?: readonly string[];
  skip?: string;
  readonly startMs: number[];
  readonly rmMs: number[];
  /** Every single `run -d`, all rounds. */
  readonly eachStartMs: number[];
  readonly running: Footprint[];
  readonly afterRm: Footprint[];
  readonly failures: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Daemon RSS/PSS in KiB, or undefined when it is gone. */
function daemonMem(d: Daemon | undefined, extra: (d: Daemon) => Footprint): Footprint['daemon'] | undefined {
  if (!d || !memOf(d.pid)) return undefined;
  return extra(d).daemon;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) fail('run me as root (the engines need it)');
  const loadBefore = load();
  const ws = workspace('/tmp/berth-bench-many-', { note, keep: o.keep });
  const tmp = ws.dir;

  try {
    note(`working in ${tmp}`);
    const engines: Engine[] = [];
    const add = (e: Pick<Engine, 'name' | 'what' | 'argv' | 'env' | 'footprint' | 'rmFlags' | 'settled'> & { skip?: string }): Engine => {
      const full: Engine = { ...e, startMs: [], rmMs: [], eachStartMs: [], running: [], afterRm: [], failures: [] };
      engines.push(full);
      return full;
    };
    const docker = which('docker');
    const noDaemon = (): Footprint => ({ daemon: { rss: 0, pss: 0, n: 0, what: '' }, perContainer: { rss: 0, pss: 0, n: 0, what: '' } });
    const rootfs = busyboxRootfsTar(tmp);
    const mem: ManyResult['mem'] = {};

    // berthd: fresh (just answered /_ping, then settleMs), then with the image.
    const bNet = privateNet('bm', 248);
    const berthd = await startBerthd({ dir: join(tmp, 'berth'), bridge: bNet.name, bip: bNet.bip });
    ws.defer(() => berthd.stop());
    const berthFp = () => berthFootprint(berthd.pid, berthd.dir);
    await sleep(o.settleMs);
    mem['berthd fresh'] = berthFp().daemon;
    const archive = busyboxInBerthd(berthd.env, rootfs, tmp);
    add({ name: 'berth', what: 'berth CLI → berthd', argv: (a) => [join(repo, 'bin', 'berth'), ...a], env: berthd.env, footprint: berthFp, settled: berthd.settled });
    const dockerBerthd = add({ name: 'docker→berthd', what: 'docker CLI → berthd', argv: (a) => [docker ?? 'docker', ...a], env: berthd.env, footprint: berthFp, settled: berthd.settled });
    if (!docker) dockerBerthd.skip = 'docker CLI not installed';

    // dockerd, with a bridge of its own for the default network.
    let dockerd: Daemon | undefined;
    const vDocker = add({ name: 'docker', what: 'docker CLI → dockerd', argv: (a) => [docker ?? 'docker', ...a], env: process.env, footprint: noDaemon });
    if (!docker || !which('dockerd')) vDocker.skip = 'docker or dockerd not installed';
    else {
      try {
        const dNet = privateNet('dm', 247);
        dockerd = await startDockerd({ dir: join(tmp, 'docker'), bridge: o.network === 'default' ? dNet : 'none', note });
        ws.defer(() => dockerd?.stop());
        const d = dockerd;
        await sleep(o.settleMs);
        mem['dockerd + containerd fresh'] = dockerFootprint(d.pid, d.dir).daemon;
        busyboxInDocker(docker, d.env, archive);
        Object.assign(vDocker, { env: d.env, footprint: () => dockerFootprint(d.pid, d.dir) });
      } catch (e) {
        vDocker.skip = (e as Error).message;
      }
    }

    // podman, with its own storage; in a netns of its own for the default network.
    const vPodman = add({ name: 'podman', what: 'podman CLI, no daemon', argv: (a) => ['podman', ...a], env: process.env, footprint: noDaemon, rmFlags: ['-t', '0'] });
    const p = setupPodman({ dir: join(tmp, 'podman'), bridge: o.network === 'default', note });
    if ('skip' in p) vPodman.skip = p.skip;
    else {
      ws.defer(() => p.cleanup());
      try {
        p.load(archive);
        Object.assign(vPodman, { env: p.env, argv: (a: readonly string[]) => p.argv(a), footprint: () => podmanFootprint(p.dir) });
      } catch (e) {
        vPodman.skip = `podman: ${(e as Error).message}`;
      }
    }

    const live = () => engines.filter((e) => e.skip === undefined);
    const netArgs = o.network === 'none' ? ['--network', 'none'] : [];
    const run = (e: Engine, args: readonly string[]) => {
      const [cmd, ...rest] = e.argv(args);
      return timeCommand(cmd, rest, e.env, 120_000);
    };
    // One untimed start and removal each (page cache, first use of the image and network).
    for (const e of live()) {
      await ws.tick();
      const r = run(e, ['run', '-d', ...netArgs, image, 'sleep', '1000']);
      if (!r.ok) {
        e.skip = `warm-up failed: ${r.err}`;
        continue;
      }
      const rm = run(e, ['rm', '-f', ...(e.rmFlags ?? []), r.stdout.trim()]);
      await e.settled?.();
      if (!rm.ok) e.skip = `warm-up rm failed: ${rm.err}`;
    }
    await sleep(o.settleMs);
    mem['berthd idle with the image'] = daemonMem(berthd, () => berthFp());
    if (dockerd) mem['dockerd + containerd idle with the image'] = daemonMem(dockerd, (d) => dockerFootprint(d.pid, d.dir));

    note(`${o.rounds} rounds of ${o.count} containers × ${live().length} engines (${live().map((e) => e.name).join(', ')})`);
    for (let round = 0; round < o.rounds; round++) {
      for (const e of rotate(live(), round)) {
        const ids: string[] = [];
        let total = 0;
        for (let i = 0; i < o.count; i++) {
          await ws.tick();
          const r = run(e, ['run', '-d', ...netArgs, image, 'sleep', '1000']);
          if (!r.ok) {
            e.failures.push(`round ${round + 1}, run ${i + 1}: ${r.err}`);
            break;
          }
          ids.push(r.stdout.trim());
          total += r.ms;
          e.eachStartMs.push(r.ms);
        }
        if (ids.length === o.count) e.startMs.push(total);
        e.running.push(e.footprint());
        const rm = ids.length > 0 ? run(e, ['rm', '-f', ...(e.rmFlags ?? []), ...ids]) : undefined;
        // Untimed: berthd's purges of the 50 (runtime delete, rootfs) end before the next engine's round.
        await e.settled?.();
        if (rm && !rm.ok) e.failures.push(`round ${round + 1}, rm -f: ${rm.err}`);
        else if (rm && ids.length === o.count) e.rmMs.push(rm.ms);
        const left = run(e, ['ps', '-aq']);
        if (left.stdout.trim() !== '') e.failures.push(`round ${round + 1}: containers left after rm -f: ${left.stdout.trim().split('\n').length}`);
        e.afterRm.push(e.footprint());
        note(`round ${round + 1}/${o.rounds} ${e.name}: ${ids.length} started in ${total.toFixed(0)} ms, rm -f ${rm ? rm.ms.toFixed(0) : '-'} ms`);
      }
    }
    await sleep(o.settleMs);
    mem['berthd after the rounds'] = daemonMem(berthd, () => berthFp());
    if (dockerd) mem['dockerd + containerd after the rounds'] = daemonMem(dockerd, (d) => dockerFootprint(d.pid, d.dir));

    const result: ManyResult = {
      bench: 'many',
      date: new Date().toISOString(),
      rounds: o.rounds,
      count: o.count,
      network: o.network,
      loadBefore,
      loadAfter: load(),
      engines: engines.map((e) => ({
        name: e.name,
        what: e.what,
        skip: e.skip ?? null,
        startMs: e.startMs,
        rmMs: e.rmMs,
        startMedianMs: e.startMs.length ? median(e.startMs) : null,
        rmMedianMs: e.rmMs.length ? median(e.rmMs) : null,
        eachStartMedianMs: e.eachStartMs.length ? median(e.eachStartMs) : null,
        running: e.running,
        afterRm: e.afterRm,
        failures: e.failures,
      })),
      mem,
    };
    if (o.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else printMany(result);
  } finally {
    await ws.cleanup();
  }
}

await main().catch((e: unknown) => fail((e as Error).stack ?? String(e)));
