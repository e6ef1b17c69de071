// bench/run-latency: how long `run --rm --network none busybox true` and, on
// the default bridge network, `run --rm busybox true` take on this machine
// through berth and through its peers, measured interleaved (one of each per
// round, the order rotating) so that drift in the machine's load hits every
// variant alike. Prints medians and the ratios issues 2 and 6 ask for. Starts
// its own berthd and dockerd with temporary roots and stops them; never touches
// /run/berth or a daemon it did not start. Its dockerd has a bridge and
// iptables in a network namespace of its own (lib/daemons.ts), never on the
// host's firewall. Run as root; see README.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspace } from './lib/cleanup.ts';
import { conmonRunner } from './lib/conmon-run.ts';
import { privateNet, startBerthd, startDockerd, startStandIn, type Daemon } from './lib/daemons.ts';
import { busyboxInBerthd, busyboxInDocker, busyboxRootfsTar } from './lib/images.ts';
import { load } from './lib/machine.ts';
import { setupPodman, type Podman } from './lib/podman.ts';
import { logFor, median, must, repo, rotate, timeCommand, which } from './lib/proc.ts';

const { note, fail } = logFor('run-latency');

interface Variant {
  readonly name: string;
  readonly what: string;
  readonly cmd: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Why the variant is not measured (not installed, failed to set up). */
  skip?: string;
  readonly samples: number[];
}

interface Options {
  rounds: number;
  json: boolean;
  keep: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = { rounds: 20, json: false, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-n' || a === '--rounds') {
      opts.rounds = Number(argv[++i]);
    } else if (a?.startsWith('--rounds=')) {
      opts.rounds = Number(a.slice('--rounds='.length));
    } else if (a === '--json') {
      opts.json = true;
    } else if (a === '--keep') {
      opts.keep = true;
    } else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: bench/run-latency [-n|--rounds N] [--json] [--keep]\n');
      process.exit(0);
    } else {
      fail(`unknown option "${a}" (see bench/run-latency --help)`);
    }
  }
  if (!Number.isInteger(opts.rounds) || opts.rounds < 1) fail('--rounds needs a positive integer');
  return opts;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) fail('run me as root (the engines need it)');
  const berthBin = join(repo, 'bin', 'berth');
  const notBuilt = ['berth.cjs', 'berthd.mjs'].filter((p) => !existsSync(join(repo, 'dist', p))).map((p) => `dist/${p} is not built (npm run build)`)[0];
  const loadBefore = load();

  const ws = workspace('/tmp/berth-bench-', { note, keep: opts.keep });
  const tmp = ws.dir;

  try {
    note(`working in ${tmp}`);
    const tarPath = busyboxRootfsTar(tmp);
    const runArgs = ['run', '--rm', '--network', 'none', 'busybox', 'true'];
    const bridgeArgs = ['run', '--rm', 'busybox', 'true'];
    const docker = which('docker');

    const variants: Variant[] = [];
    const add = (v: Omit<Variant, 'samples'>) => { const full: Variant = { ...v, samples: [] }; variants.push(full); return full; };

    // berthd, private, with its own bridge and subnet (never a system berthd's).
    let archive: string | undefined;
    let berthd: Daemon | undefined;
    const vDockerBerthd = add({ name: 'docker→berthd', what: 'docker CLI against berthd', cmd: docker ?? 'docker', args: runArgs });
    const vBerth = add({ name: 'berth→berthd', what: 'berth CLI against berthd', cmd: berthBin, args: runArgs });
    // The default-bridge case (CNI netns + veth + NAT).
    const vDockerBerthdBridge = add({ name: 'docker→berthd br', what: 'docker CLI against berthd, default bridge network', cmd: docker ?? 'docker', args: bridgeArgs });
    const vBerthBridge = add({ name: 'berth→berthd br', what: 'berth CLI against berthd, default bridge network', cmd: berthBin, args: bridgeArgs });
    if (!docker) vDockerBerthd.skip = vDockerBerthdBridge.skip = 'docker CLI not installed';
    if (notBuilt !== undefined) {
      vDockerBerthd.skip = vBerth.skip = vBerthBridge.skip = vDockerBerthdBridge.skip = notBuilt;
    } else try {
      const net = privateNet('bb', 254);
      const d = await startBerthd({ dir: join(tmp, 'berth'), bridge: net.name, bip: net.bip });
      berthd = d;
      ws.defer(() => d.stop());
      archive = busyboxInBerthd(d.env, tarPath, tmp);
    } catch (e) {
      vDockerBerthd.skip ??= (e as Error).message;
      vDockerBerthdBridge.skip ??= vDockerBerthd.skip;
      vBerth.skip = vBerthBridge.skip = (e as Error).message;
    }
    const berthEnv = berthd?.env;
    for (const v of [vDockerBerthd, vBerth, vDockerBerthdBridge, vBerthBridge]) Object.assign(v, { env: berthEnv });

    // dockerd, private, with its own roots, and a bridge of its own with iptables (as a stock dockerd has
    // docker0), in a network namespace of its own.
    const vDockerd = add({ name: 'docker→dockerd', what: 'docker CLI against a private dockerd', cmd: docker ?? 'docker', args: runArgs });
    const vDockerdBridge = add({ name: 'docker→dockerd br', what: 'docker CLI against a private dockerd, default bridge network', cmd: docker ?? 'docker', args: bridgeArgs });
    if (!docker || !which('dockerd')) {
      vDockerd.skip = vDockerdBridge.skip = 'docker or dockerd not installed';
    } else if (!archive) {
      vDockerd.skip = vDockerdBridge.skip = 'no image (berthd made none)';
    } else {
      try {
        const d = await startDockerd({ dir: join(tmp, 'docker'), bridge: privateNet('bd', 253), note });
        ws.defer(() => d.stop());
        busyboxInDocker(docker, d.env, archive);
        Object.assign(vDockerd, { env: d.env });
        Object.assign(vDockerdBridge, { env: d.env });
      } catch (e) {
        vDockerd.skip = vDockerdBridge.skip = (e as Error).message;
      }
    }

    // podman, with its own storage and configuration; its default network in a netns of its own.
    const vPodman = add({ name: 'podman', what: 'podman run, private storage', cmd: 'podman', args: runArgs });
    const vPodmanBridge = add({ name: 'podman br', what: 'podman run, default network (CNI bridge in a netns of the bench)', cmd: 'podman', args: bridgeArgs });
    const p = setupPodman({ dir: join(tmp, 'podman'), bridge: true, note });
    if ('skip' in p) {
      vPodman.skip = vPodmanBridge.skip = p.skip;
    } else if (!archive) {
      vPodman.skip = vPodmanBridge.skip = 'no image (berthd made none)';
      p.cleanup();
    } else {
      const pod: Podman = p;
      ws.defer(() => pod.cleanup());
      try {
        pod.load(archive);
        const [cmd, ...args] = pod.argv(runArgs, false);
        Object.assign(vPodman, { cmd, args, env: pod.env });
        const [bcmd, ...bargs] = pod.argv(bridgeArgs);
        Object.assign(vPodmanBridge, { cmd: bcmd, args: bargs, env: pod.env });
      } catch (e) {
        vPodman.skip = vPodmanBridge.skip = `podman: ${(e as Error).message}`;
      }
    }

    // The floor: runc alone running a prepared bundle.
    const runc = which('runc');
    const bundle = join(tmp, 'bundle');
    const runcState = join(tmp, 'runc-state');
    let runcSeq = 0;
    const vRunc = add({ name: 'runc run', what: 'bare runc run of a busybox bundle', cmd: runc ?? 'runc', args: [] });
    if (!runc) {
      vRunc.skip = 'runc not installed';
    } else {
      try {
        mkdirSync(join(bundle, 'rootfs'), { recursive: true });
        must('tar', ['-xf', tarPath, '-C', join(bundle, 'rootfs')]);
        must(runc, ['spec'], { cwd: bundle });
        const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as { process: { args: string[]; terminal: boolean }; root: { path: string; readonly: boolean } };
        spec.process.args = ['true'];
        spec.process.terminal = false;
        spec.root.path = join(bundle, 'rootfs');
        writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
      } catch (e) {
        vRunc.skip = `runc bundle: ${(e as Error).message}`;
      }
    }
    // The same floor with berthd's own bundle: the config.json berthd wrote for `run --network none
    // busybox true` (docker's seccomp profile, capabilities, masked paths, rlimits, its /etc files),
    // on a plain copy of the rootfs and a new network namespace. What docker→berthd spends above this
    // is berthd's and conmon's, not runc's work on the container.
    const sameBundle = join(tmp, 'bundle-berthd');
    const vRuncBerthd = add({ name: 'runc run, berthd spec', what: "runc run of berthd's own config.json for the same container", cmd: runc ?? 'runc', args: [] });
    if (!runc) vRuncBerthd.skip = 'runc not installed';
    else if (!berthd) vRuncBerthd.skip = 'no berthd';
    else if (vRunc.skip !== undefined) vRuncBerthd.skip = vRunc.skip;
    else {
      try {
        writeBerthdBundle(berthd, join(bundle, 'rootfs'), sameBundle);
      } catch (e) {
        vRuncBerthd.skip = `berthd's bundle: ${(e as Error).message}`;
      }
    }
    // The same bundle under conmon, as berthd runs a container (lib/conmon-run.ts): the floor with conmon
    // counted in it, since issue 15 keeps conmon ("the floor is theirs") but its line's floor is runc alone.
    const conmon = which('conmon');
    const vConmon = add({ name: 'conmon + runc, berthd spec', what: "berthd's runtime (conmon, runc create, the exec fifo's start) on berthd's bundle, until conmon's exit file (runc delete untimed)", cmd: conmon ?? 'conmon', args: [] });
    if (!conmon) vConmon.skip = 'conmon not installed';
    else if (vRuncBerthd.skip !== undefined) vConmon.skip = vRuncBerthd.skip;
    const conmonRun = conmonRunner({ conmon: conmon ?? 'conmon', runtime: runc ?? 'runc', bundle: sameBundle, execRoot: join(tmp, 'conmon') });
    // Each round needs a fresh container id; `runc run` deletes the container on exit.
    const runcArgs = (dir: string) => ['--root', runcState, 'run', '--bundle', dir, `bench-${process.pid}-${runcSeq++}`];

    // The docker CLI's own part of the run: its start and its five requests, answered at once by a stand-in
    // daemon (lib/daemons.ts) for a container that exits 0 at once.
    const vStandIn = add({ name: 'docker→stand-in', what: 'docker CLI against a stand-in daemon that answers at once (the CLI\'s own part)', cmd: docker ?? 'docker', args: runArgs });
    if (!docker) vStandIn.skip = 'docker CLI not installed';
    else {
      try {
        const d = await startStandIn(join(tmp, 'stand-in'));
        ws.defer(() => d.stop());
        Object.assign(vStandIn, { env: d.env });
      } catch (e) {
        vStandIn.skip = (e as Error).message;
      }
    }

    // Start-up of the programs alone.
    add({ name: 'node -e 0', what: "Node's bare start", cmd: process.execPath, args: ['-e', '0'] });
    const vBerthVersion = add({ name: 'berth --version', what: "berth CLI's start", cmd: berthBin, args: ['--version'] });
    if (notBuilt !== undefined) vBerthVersion.skip = notBuilt;
    const vDockerVersion = add({ name: 'docker --version', what: "docker CLI's start", cmd: docker ?? 'docker', args: ['--version'] });
    if (!docker) vDockerVersion.skip = 'not installed';

    const live = () => variants.filter((v) => v.skip === undefined);
    const runOnce = async (v: Variant) =>
      v === vConmon ? conmonRun(`bench-${process.pid}-${runcSeq++}`) : timeCommand(v.cmd, v === vRunc ? runcArgs(bundle) : v === vRuncBerthd ? runcArgs(sameBundle) : v.args, v.env ?? process.env);

    // One warm-up run each (caches, first image use); a failure there drops the variant.
    for (const v of live()) {
      await ws.tick();
      const r = await runOnce(v);
      await berthd?.settled();
      if (!r.ok) v.skip = `failed: ${r.err}`;
    }
    note(`${opts.rounds} rounds of ${live().length} variants`);
    for (let round = 0; round < opts.rounds; round++) {
      for (const v of rotate(live(), round)) {
        await ws.tick();
        const r = await runOnce(v);
        // Untimed: berthd's removal of an --rm container ends after its answer; the next sample starts after it.
        await berthd?.settled();
        if (r.ok) v.samples.push(r.ms);
        else note(`${v.name}: round ${round + 1} failed: ${r.err}`);
      }
    }

    report(variants, opts, { date: new Date().toISOString(), loadBefore, loadAfter: load() });
  } finally {
    await ws.cleanup();
  }
}

/**
 * Copies the config.json berthd wrote for `run --network none busybox true` into `dir`, on `rootfs`:
 * the container keeps running so that the files its mounts name exist for the whole bench.
 */
function writeBerthdBundle(berthd: Daemon, rootfs: string, dir: string): void {
  const berth = join(repo, 'bin', 'berth');
  // A container that sleeps: berthd removes the bundle when its container exits. Daemon.stop removes it.
  const id = must(berth, ['run', '-d', '--network', 'none', 'busybox', 'sleep', '100000'], { env: berthd.env }).trim();
  const spec = JSON.parse(readFileSync(join(berthd.dir, 'exec', 'containers', id, 'config.json'), 'utf8')) as {
    process: { terminal?: boolean; args: string[] };
    root: { path: string; readonly?: boolean };
    linux: { cgroupsPath?: string; namespaces?: { type: string; path?: string }[] };
    hooks?: unknown;
  };
  spec.process.terminal = false;
  spec.process.args = ['true'];
  spec.root = { path: rootfs, readonly: false };
  // runc's default cgroup (/<id>) for each round's container; a fresh, empty network namespace as with --network none.
  delete spec.linux.cgroupsPath;
  spec.linux.namespaces = (spec.linux.namespaces ?? []).map((ns) => (ns.type === 'network' ? { type: 'network' } : ns));
  delete spec.hooks;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(spec, null, 2));
}

function report(variants: readonly Variant[], opts: Options, when: { date: string; loadBefore: number[]; loadAfter: number[] }): void {
  const med = new Map<string, number>();
  for (const v of variants) if (v.samples.length > 0) med.set(v.name, median(v.samples));
  const ratio = (a: string, b: string) => {
    const x = med.get(a);
    const y = med.get(b);
    return x === undefined || y === undefined ? undefined : x / y;
  };
  const diff = (a: string, b: string) => {
    const x = med.get(a);
    const y = med.get(b);
    return x === undefined || y === undefined ? undefined : x - y;
  };
  // issue 15: the floor is the docker CLI's own start plus a bare `runc run`.
  const aboveFloor = (floor = 'runc run') => {
    const x = med.get('docker→berthd');
    const v = med.get('docker --version');
    const r = med.get(floor);
    return x === undefined || v === undefined || r === undefined ? undefined : x - v - r;
  };
  const ratios = [
    { name: 'engine: docker→berthd / docker→dockerd', value: ratio('docker→berthd', 'docker→dockerd'), goal: '≤ 0.25' },
    { name: 'user: berth→berthd / docker→dockerd', value: ratio('berth→berthd', 'docker→dockerd'), goal: '≤ 0.35' },
    { name: 'user: berth→berthd / podman', value: ratio('berth→berthd', 'podman'), goal: '≤ 0.6' },
    { name: 'floor (ms): docker→berthd − (docker --version + runc run)', value: aboveFloor(), goal: '≤ 20' },
    { name: 'floor (ms): docker→berthd − (docker --version + runc run of berthd\'s spec)', value: aboveFloor('runc run, berthd spec'), goal: '' },
    { name: 'runc on berthd\'s spec (ms): runc run, berthd spec − runc run', value: diff('runc run, berthd spec', 'runc run'), goal: '' },
    { name: 'floor (ms): docker→berthd − (docker --version + conmon + runc of berthd\'s spec)', value: aboveFloor('conmon + runc, berthd spec'), goal: '' },
    { name: 'conmon (ms): conmon + runc − runc run, berthd spec', value: diff('conmon + runc, berthd spec', 'runc run, berthd spec'), goal: '' },
    { name: 'docker CLI\'s requests (ms): docker→stand-in − docker --version', value: diff('docker→stand-in', 'docker --version'), goal: '' },
    { name: 'berthd (ms): docker→berthd − docker→stand-in − conmon + runc, berthd spec', value: (() => { const x = diff('docker→berthd', 'docker→stand-in'); const c = med.get('conmon + runc, berthd spec'); return x === undefined || c === undefined ? undefined : x - c; })(), goal: '' },
    { name: 'floor: berth→berthd / runc run', value: ratio('berth→berthd', 'runc run'), goal: '' },
    { name: 'bridge engine: docker→berthd / docker→dockerd', value: ratio('docker→berthd br', 'docker→dockerd br'), goal: '≤ 0.3' },
    { name: 'bridge user: berth→berthd / docker→dockerd', value: ratio('berth→berthd br', 'docker→dockerd br'), goal: '≤ 0.3' },
    { name: 'bridge user: berth→berthd / podman', value: ratio('berth→berthd br', 'podman br'), goal: '' },
    { name: 'bridge cost (ms): berth→berthd br − none', value: diff('berth→berthd br', 'berth→berthd'), goal: '' },
    { name: 'bridge cost (ms): docker→dockerd br − none', value: diff('docker→dockerd br', 'docker→dockerd'), goal: '' },
    { name: 'floor: docker→berthd / runc run', value: ratio('docker→berthd', 'runc run'), goal: '' },
    { name: 'floor: docker→dockerd / runc run', value: ratio('docker→dockerd', 'runc run'), goal: '' },
  ];
  // berth is compiled by Bun (dist/berth), so its start is compared with the docker CLI's, not Node's (issue 15).
  const startup = { name: 'start-up: berth --version / docker --version', value: ratio('berth --version', 'docker --version'), goal: '≤ 1.0' };

  if (opts.json) {
    process.stdout.write(JSON.stringify({
      bench: 'run-latency',
      ...when,
      rounds: opts.rounds,
      variants: variants.map((v) => ({ name: v.name, what: v.what, skip: v.skip ?? null, n: v.samples.length, medianMs: med.get(v.name) ?? null, samplesMs: v.samples })),
      ratios: [...ratios, startup].map((r) => ({ name: r.name, value: r.value ?? null, goal: r.goal || null })),
    }, null, 2) + '\n');
    return;
  }
  const fmt = (n: number) => n.toFixed(1).padStart(8);
  const out: string[] = [];
  out.push(`run --rm [--network none] busybox true — ${opts.rounds} rounds, interleaved; "br": on the default bridge`);
  out.push(`load average before ${when.loadBefore.join(' ')}, after ${when.loadAfter.join(' ')}`, '');
  out.push(`${'variant'.padEnd(19)} ${'median ms'.padStart(9)} ${'min'.padStart(8)} ${'max'.padStart(8)}  n`);
  for (const v of variants) {
    if (v.skip !== undefined || v.samples.length === 0) {
      out.push(`${v.name.padEnd(19)} ${v.skip ?? 'no successful run'}`);
      continue;
    }
    out.push(`${v.name.padEnd(19)} ${fmt(med.get(v.name)!).padStart(9)} ${fmt(Math.min(...v.samples))} ${fmt(Math.max(...v.samples))}  ${v.samples.length}`);
  }
  out.push('', 'ratios of medians:');
  for (const r of ratios) out.push(`  ${r.name.padEnd(58)} ${r.value === undefined ? 'n/a' : r.value.toFixed(2)}${r.goal ? `   (goal ${r.goal})` : ''}`);
  out.push(`  ${startup.name.padEnd(58)} ${startup.value === undefined ? 'n/a' : startup.value.toFixed(2)}   (goal ${startup.goal})`);
  process.stdout.write(out.join('\n') + '\n');
}

await main().catch((e: unknown) => fail((e as Error).stack ?? String(e)));
