// bench/run-latency: how long `run --rm --network none busybox true` and, on
// the default bridge network, `run --rm busybox true` take on this machine
// through berth and through its peers, measured interleaved (one of each per
// round, the order rotating) so that drift in the machine's load hits every
// variant alike. Prints medians and the ratios issues 2 and 6 ask for. Starts
// its own berthd and dockerd with temporary roots and stops them; never touches
// /run/berth or a daemon it did not start. Its dockerd has a bridge and
// iptables, so the host's firewall and forwarding sysctls are saved before and
// restored after (run-latency-firewall.ts). Run as root; see README.md.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { restoreFirewall, snapshotFirewall, type FirewallSnapshot } from './run-latency-firewall.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

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

function fail(msg: string): never {
  process.stderr.write(`run-latency: ${msg}\n`);
  process.exit(1);
}

function note(msg: string): void {
  process.stderr.write(`run-latency: ${msg}\n`);
}

function which(prog: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${prog}`], { encoding: 'utf8' });
  const path = r.stdout.trim();
  return r.status === 0 && path !== '' ? path : undefined;
}

/** Runs a set-up command to completion; throws with its stderr when it fails. */
function must(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; input?: Buffer; cwd?: string } = {}): string {
  const r = spawnSync(cmd, args, { env: opts.env ?? process.env, input: opts.input, cwd: opts.cwd, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000 });
  if (r.status !== 0) {
    const why = r.error ? r.error.message : (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ');
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${why}`);
  }
  return r.stdout;
}

/** Resolves when GET /_ping on the unix socket answers 200, or rejects after `ms`. */
async function waitForPing(socketPath: string, ms: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`daemon exited (${child.exitCode ?? child.signalCode}) before answering on ${socketPath}`);
    const ok = await new Promise<boolean>((res) => {
      const req = request({ socketPath, path: '/_ping', timeout: 1000 }, (resp) => {
        resp.resume();
        res(resp.statusCode === 200);
      });
      req.on('error', () => res(false));
      req.on('timeout', () => { req.destroy(); res(false); });
      req.end();
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no answer on ${socketPath} within ${ms} ms`);
}

/** SIGTERM, then SIGKILL after `ms`; resolves when the process is gone. */
async function stopChild(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((res) => child.once('exit', () => res()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await gone;
  clearTimeout(timer);
}

/** Unmounts everything mounted under `dir`, deepest first (a daemon may leave some behind). */
function unmountUnder(dir: string): void {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .map((p) => p.replace(/\\040/g, ' '))
    .filter((p) => p === dir || p.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length);
  for (const p of points) {
    note(`unmounting leftover ${p}`);
    spawnSync('umount', ['-l', p]);
  }
}

function time(v: Variant): { ms: number; ok: boolean; err: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(v.cmd, v.args, { env: v.env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 60_000 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const err = r.error ? r.error.message : (r.stderr ?? '').trim().split('\n')[0] ?? '';
  return { ms, ok: r.status === 0, err: err || `exit ${r.status ?? r.signal}` };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) fail('run me as root (the engines need it)');
  const berthBin = join(repo, 'bin', 'berth');
  const berthdBin = join(repo, 'bin', 'berthd');
  const notBuilt = ['berth', 'berthd'].filter((p) => !existsSync(join(repo, 'dist', p === 'berth' ? 'berth.cjs' : `${p}.mjs`))).map((p) => `dist/${p} is not built (npm run build)`)[0];

  const tmp = mkdtempSync('/tmp/berth-bench-');
  // Its own bridge and subnet, so that it never shares one with a system berthd.
  const benchBridge = `bb${process.pid % 100000}`;
  const benchBip = `10.254.${process.pid % 250}.1/24`;
  // The bench dockerd's bridge (made here, so that it never is a shared docker0).
  const dockerBridge = `bd${process.pid % 100000}`;
  const dockerBip = `10.253.${process.pid % 250}.1/24`;
  let firewall: FirewallSnapshot | undefined;
  const children: ChildProcess[] = [];
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    for (const c of children.reverse()) await stopChild(c, 15_000);
    // The bench berthd's own default bridge outlives it (as docker0 outlives dockerd).
    spawnSync('ip', ['link', 'del', benchBridge], { stdio: 'ignore' });
    spawnSync('ip', ['link', 'del', dockerBridge], { stdio: 'ignore' });
    if (firewall) {
      const { exact, notes } = restoreFirewall(firewall, dockerBridge);
      note(exact ? 'firewall and forwarding restored exactly as saved' : 'firewall restored as far as dockerd changed it');
      for (const n of notes) note(n);
    }
    unmountUnder(tmp);
    if (opts.keep) note(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { void cleanup().then(() => process.exit(130)); });

  try {
    note(`working in ${tmp}`);
    const tarPath = join(tmp, 'busybox.tar');
    writeFileSync(tarPath, spawnSync(join(repo, 'scripts', 'setup'), ['--busybox-tar'], { maxBuffer: 64 << 20 }).stdout);
    const tar = readFileSync(tarPath);
    if (tar.length < 1024) throw new Error('scripts/setup --busybox-tar produced no tar');
    const runArgs = ['run', '--rm', '--network', 'none', 'busybox', 'true'];
    const bridgeArgs = ['run', '--rm', 'busybox', 'true'];
    const docker = which('docker');

    const variants: Variant[] = [];
    const add = (v: Omit<Variant, 'samples'>) => { const full: Variant = { ...v, samples: [] }; variants.push(full); return full; };

    // berthd, private.
    const bRoot = join(tmp, 'berth');
    mkdirSync(bRoot, { recursive: true });
    const bSock = join(bRoot, 'berth.sock');
    const bEnv = { ...process.env, DOCKER_HOST: `unix://${bSock}` };
    const vDockerBerthd = add({ name: 'docker→berthd', what: 'docker CLI against berthd', cmd: docker ?? 'docker', args: runArgs, env: bEnv });
    const vBerth = add({ name: 'berth→berthd', what: 'berth CLI against berthd', cmd: berthBin, args: runArgs, env: bEnv });
    // The default-bridge case (CNI netns + veth + NAT).
    const vDockerBerthdBridge = add({ name: 'docker→berthd br', what: 'docker CLI against berthd, default bridge network', cmd: docker ?? 'docker', args: bridgeArgs, env: bEnv });
    const vBerthBridge = add({ name: 'berth→berthd br', what: 'berth CLI against berthd, default bridge network', cmd: berthBin, args: bridgeArgs, env: bEnv });
    if (!docker) vDockerBerthd.skip = vDockerBerthdBridge.skip = 'docker CLI not installed';
    if (notBuilt !== undefined) {
      vDockerBerthd.skip = vBerth.skip = vBerthBridge.skip = vDockerBerthdBridge.skip = notBuilt;
    } else try {
      const berthd = spawn(berthdBin, ['--data-root', join(bRoot, 'root'), '--exec-root', join(bRoot, 'exec'), '--host', `unix://${bSock}`, '--bridge', benchBridge, '--bip', benchBip], { stdio: ['ignore', 'ignore', 'pipe'] });
      let berthdErr = '';
      berthd.stderr?.on('data', (d: Buffer) => { berthdErr = (berthdErr + d.toString()).slice(-2000); });
      children.push(berthd);
      await waitForPing(bSock, 20_000, berthd).catch((e: unknown) => { throw new Error(`${(e as Error).message}; berthd said: ${berthdErr.trim().split('\n').slice(-2).join(' / ')}`); });
      must(berthBin, ['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], { env: bEnv, input: tar });
    } catch (e) {
      vDockerBerthd.skip ??= `berthd: ${(e as Error).message}`;
      vDockerBerthdBridge.skip ??= vDockerBerthd.skip;
      vBerth.skip = `berthd: ${(e as Error).message}`;
      vBerthBridge.skip = vBerth.skip;
    }

    // dockerd, private, with its own roots, and a bridge of its own with iptables (as a stock dockerd has
    // docker0): the host's firewall and forwarding sysctls are saved first and restored in cleanup().
    const dRoot = join(tmp, 'docker');
    const dSock = join(dRoot, 'sock');
    const dEnv = { ...process.env, DOCKER_HOST: `unix://${dSock}` };
    const vDockerd = add({ name: 'docker→dockerd', what: 'docker CLI against a private dockerd', cmd: docker ?? 'docker', args: runArgs, env: dEnv });
    const vDockerdBridge = add({ name: 'docker→dockerd br', what: 'docker CLI against a private dockerd, default bridge network', cmd: docker ?? 'docker', args: bridgeArgs, env: dEnv });
    if (!docker || !which('dockerd')) {
      vDockerd.skip = vDockerdBridge.skip = 'docker or dockerd not installed';
    } else {
      mkdirSync(dRoot, { recursive: true });
      try {
        firewall = snapshotFirewall();
        must('ip', ['link', 'add', 'name', dockerBridge, 'type', 'bridge']);
        must('ip', ['addr', 'add', dockerBip, 'dev', dockerBridge]);
        must('ip', ['link', 'set', dockerBridge, 'up']);
        const dockerd = spawn('dockerd', ['--data-root', join(dRoot, 'root'), '--exec-root', join(dRoot, 'exec'), '--pidfile', join(dRoot, 'pid'), '-H', `unix://${dSock}`, `--bridge=${dockerBridge}`, '--iptables=true', '--ip6tables=false', '--userland-proxy=false'], { stdio: 'ignore' });
        children.push(dockerd);
        await waitForPing(dSock, 60_000, dockerd);
        must(docker, ['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], { env: dEnv, input: tar });
      } catch (e) {
        vDockerd.skip = vDockerdBridge.skip = `dockerd: ${(e as Error).message}`;
      }
    }

    // podman, with its own storage, if installed.
    const podman = which('podman');
    const pRoot = join(tmp, 'podman');
    const pFlags = ['--root', join(pRoot, 'root'), '--runroot', join(pRoot, 'run')];
    const vPodman = add({ name: 'podman', what: 'podman run', cmd: podman ?? 'podman', args: [...pFlags, ...runArgs] });
    const vPodmanBridge = add({ name: 'podman br', what: 'podman run, default network', cmd: podman ?? 'podman', args: [...pFlags, ...bridgeArgs] });
    if (!podman) {
      vPodman.skip = vPodmanBridge.skip = 'not installed';
    } else {
      try {
        must(podman, [...pFlags, 'import', '-c', 'CMD ["sh"]', tarPath, 'busybox:latest']);
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
    // Each round needs a fresh container id; `runc run` deletes the container on exit.
    const runcArgs = () => ['--root', runcState, 'run', '--bundle', bundle, `bench-${process.pid}-${runcSeq++}`];

    // Start-up of the programs alone.
    add({ name: 'node -e 0', what: "Node's bare start", cmd: process.execPath, args: ['-e', '0'] });
    const vBerthVersion = add({ name: 'berth --version', what: "berth CLI's start", cmd: berthBin, args: ['--version'] });
    if (notBuilt !== undefined) vBerthVersion.skip = notBuilt;
    const vDockerVersion = add({ name: 'docker --version', what: "docker CLI's start", cmd: docker ?? 'docker', args: ['--version'] });
    if (!docker) vDockerVersion.skip = 'not installed';

    const live = () => variants.filter((v) => v.skip === undefined);
    const runOnce = (v: Variant) => (v === vRunc ? time({ ...v, args: runcArgs() }) : time(v));

    // One warm-up run each (caches, first image use); a failure there drops the variant.
    for (const v of live()) {
      const r = runOnce(v);
      if (!r.ok) v.skip = `failed: ${r.err}`;
    }
    note(`${opts.rounds} rounds of ${live().length} variants`);
    for (let round = 0; round < opts.rounds; round++) {
      const order = live();
      const shift = round % Math.max(order.length, 1);
      for (const v of [...order.slice(shift), ...order.slice(0, shift)]) {
        const r = runOnce(v);
        if (r.ok) v.samples.push(r.ms);
        else note(`${v.name}: round ${round + 1} failed: ${r.err}`);
      }
    }

    report(variants, opts);
  } finally {
    await cleanup();
  }
}

function report(variants: readonly Variant[], opts: Options): void {
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
  const ratios = [
    { name: 'engine: docker→berthd / docker→dockerd', value: ratio('docker→berthd', 'docker→dockerd'), goal: '≤ 0.25' },
    { name: 'user: berth→berthd / docker→dockerd', value: ratio('berth→berthd', 'docker→dockerd'), goal: '' },
    { name: 'user: berth→berthd / podman', value: ratio('berth→berthd', 'podman'), goal: '' },
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
      rounds: opts.rounds,
      variants: variants.map((v) => ({ name: v.name, what: v.what, skip: v.skip ?? null, n: v.samples.length, medianMs: med.get(v.name) ?? null, samplesMs: v.samples })),
      ratios: [...ratios, startup].map((r) => ({ name: r.name, value: r.value ?? null, goal: r.goal || null })),
    }, null, 2) + '\n');
    return;
  }
  const fmt = (n: number) => n.toFixed(1).padStart(8);
  const out: string[] = [];
  out.push(`run --rm [--network none] busybox true — ${opts.rounds} rounds, interleaved; "br": on the default bridge`, '');
  out.push(`${'variant'.padEnd(19)} ${'median ms'.padStart(9)} ${'min'.padStart(8)} ${'max'.padStart(8)}  n`);
  for (const v of variants) {
    if (v.skip !== undefined || v.samples.length === 0) {
      out.push(`${v.name.padEnd(19)} ${v.skip ?? 'no successful run'}`);
      continue;
    }
    out.push(`${v.name.padEnd(19)} ${fmt(med.get(v.name)!).padStart(9)} ${fmt(Math.min(...v.samples))} ${fmt(Math.max(...v.samples))}  ${v.samples.length}`);
  }
  out.push('', 'ratios of medians:');
  for (const r of ratios) out.push(`  ${r.name.padEnd(48)} ${r.value === undefined ? 'n/a' : r.value.toFixed(2)}${r.goal ? `   (goal ${r.goal})` : ''}`);
  out.push(`  ${startup.name.padEnd(48)} ${startup.value === undefined ? 'n/a' : startup.value.toFixed(2)}   (goal ${startup.goal})`);
  process.stdout.write(out.join('\n') + '\n');
}

await main().catch((e: unknown) => fail((e as Error).stack ?? String(e)));
