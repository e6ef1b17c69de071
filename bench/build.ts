// bench/build: times a 6-step Dockerfile through berth and its peers — a cold
// build, a fully cached rebuild and a rebuild after changing one copied file —
// each engine on its own temporary daemon and roots (a private berthd; a private
// dockerd with the classic builder; podman with its own storage when
// installed). Prints medians and berth/docker ratios; the goals (issue 15): a
// fully cached rebuild at no more than 0.5× docker's time through `berth
// build`, 0.3× through the docker CLI. `--before DIR` adds a second berthd
// from an earlier build (bin/, dist/, native/, node_modules), timed through
// the docker CLI and through DIR's own CLI; `--cached-only` times only the
// cached rebuilds (one cold build first for each engine); `--no-podman` leaves
// podman out. Run as root after
// `npm run build`; never touches /run/berth or a daemon it did not start.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argOf = (flag: string) => (process.argv.includes(flag) ? process.argv[process.argv.indexOf(flag) + 1] : undefined);
const rounds = Number(argOf('-n') ?? 5) || 5;
const beforeDir = argOf('--before') !== undefined ? resolve(argOf('--before') as string) : undefined;
const cachedOnly = process.argv.includes('--cached-only');

function note(msg: string): void {
  process.stderr.write(`build-bench: ${msg}\n`);
}

function which(prog: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${prog}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : undefined;
}

function must(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; input?: Buffer } = {}): void {
  const r = spawnSync(cmd, args, { env: opts.env ?? process.env, input: opts.input, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')}`);
}

function timed(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  must(cmd, args, { env });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function waitForPing(socketPath: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((res) => {
      const req = request({ socketPath, path: '/_ping', timeout: 1000 }, (r) => {
        r.resume();
        res(r.statusCode === 200);
      });
      req.on('error', () => res(false));
      req.end();
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no answer on ${socketPath}`);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

interface Engine {
  readonly name: string;
  readonly build: (ctx: string, extra: readonly string[]) => number;
  readonly times: { cold: number[]; cached: number[]; changed: number[] };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run me as root');
  const tmp = mkdtempSync('/tmp/berth-bench-build-');
  const children: ChildProcess[] = [];
  try {
    const tar = spawnSync(join(repo, 'scripts', 'setup'), ['--busybox-tar'], { maxBuffer: 64 << 20 }).stdout as Buffer;
    const ctx = join(tmp, 'ctx');
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'app.txt'), 'v0\n');
    writeFileSync(join(ctx, 'lib.txt'), 'library\n');
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nENV APP=/app\nRUN mkdir -p /app && echo base > /app/base\nCOPY lib.txt /app/lib.txt\nCOPY app.txt /app/app.txt\nRUN cat /app/app.txt > /app/copy\nCMD ["cat", "/app/copy"]\n');

    const engines: Engine[] = [];
    const docker = which('docker');
    const startBerthd = async (from: string, name: string): Promise<NodeJS.ProcessEnv> => {
      const sock = join(tmp, `${name}.sock`);
      const env = { ...process.env, DOCKER_HOST: `unix://${sock}` };
      const d = spawn(join(from, 'bin', 'berthd'), ['--data-root', join(tmp, `${name}-data`), '--exec-root', join(tmp, `${name}-exec`), '--host', `unix://${sock}`], { stdio: 'ignore' });
      children.push(d);
      await waitForPing(sock, 30_000);
      must(join(from, 'bin', 'berth'), ['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], { env, input: tar });
      // Every engine's RUN steps use the host's network: the private dockerd has no bridge (--bridge=none),
      // so the same work is timed everywhere (berth's default bridge adds a netns + CNI per RUN step).
      engines.push({ name: name === 'berth' ? 'berth' : `berth (${name})`, build: (c, extra) => timed(join(from, 'bin', 'berth'), ['build', '-q', '--network', 'host', ...extra, '-t', 'bench', c], env), times: { cold: [], cached: [], changed: [] } });
      // The engine alone: the same client (docker's CLI) against berthd.
      if (docker) engines.push({ name: name === 'berth' ? 'docker→berthd' : `docker→berthd (${name})`, build: (c, extra) => timed(docker, ['build', '-q', '--network', 'host', ...extra, '-t', 'bench', c], env), times: { cold: [], cached: [], changed: [] } });
      return env;
    };
    await startBerthd(repo, 'berth');
    if (beforeDir !== undefined) await startBerthd(beforeDir, 'before');

    if (docker && which('dockerd')) {
      const dSock = join(tmp, 'docker.sock');
      const dEnv = { ...process.env, DOCKER_HOST: `unix://${dSock}`, DOCKER_BUILDKIT: '0' };
      const dockerd = spawn('dockerd', ['--data-root', join(tmp, 'docker-root'), '--exec-root', join(tmp, 'docker-exec'), '--pidfile', join(tmp, 'docker.pid'), '-H', `unix://${dSock}`, '--bridge=none', '--iptables=false'], { stdio: 'ignore' });
      children.push(dockerd);
      await waitForPing(dSock, 60_000);
      must(docker, ['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], { env: dEnv, input: tar });
      engines.push({ name: 'docker (classic)', build: (c, extra) => timed(docker, ['build', '-q', '--network', 'host', ...extra, '-t', 'bench', c], dEnv), times: { cold: [], cached: [], changed: [] } });
    } else note('docker or dockerd not installed; skipped');
    const podman = process.argv.includes('--no-podman') ? undefined : which('podman');
    if (podman) {
      const flags = ['--root', join(tmp, 'podman-root'), '--runroot', join(tmp, 'podman-run')];
      writeFileSync(join(tmp, 'busybox.tar'), tar);
      must(podman, [...flags, 'import', '-c', 'CMD ["sh"]', join(tmp, 'busybox.tar'), 'busybox:latest']);
      engines.push({ name: 'podman', build: (c, extra) => timed(podman, [...flags, 'build', '-q', '--network', 'host', ...extra, '-t', 'bench', c], process.env), times: { cold: [], cached: [], changed: [] } });
    } else note('podman not installed; skipped');

    if (cachedOnly) {
      // One build each fills the cache; then only cached rebuilds are timed, one per engine per round, the order rotating.
      writeFileSync(join(ctx, 'app.txt'), 'cached\n');
      for (const e of engines) e.build(ctx, []);
      for (let round = 0; round < rounds; round++) {
        for (let k = 0; k < engines.length; k++) {
          const e = engines[(round + k) % engines.length] as Engine;
          e.times.cached.push(e.build(ctx, []));
        }
      }
    } else {
      for (let round = 0; round < rounds; round++) {
        for (const e of engines) {
          writeFileSync(join(ctx, 'app.txt'), `v${round}-${e.name}-cold\n`);
          e.times.cold.push(e.build(ctx, ['--no-cache']));
          e.times.cached.push(e.build(ctx, []));
          writeFileSync(join(ctx, 'app.txt'), `v${round}-${e.name}-changed\n`);
          e.times.changed.push(e.build(ctx, []));
        }
      }
    }
    const med = (xs: readonly number[]) => (xs.length === 0 ? NaN : median(xs));
    const out: string[] = [`6-step Dockerfile, ${rounds} rounds (median ms)`, '', `${'engine'.padEnd(24)} ${'cold'.padStart(8)} ${'cached'.padStart(8)} ${'changed'.padStart(8)}`];
    for (const e of engines) out.push(`${e.name.padEnd(24)} ${med(e.times.cold).toFixed(0).padStart(8)} ${med(e.times.cached).toFixed(1).padStart(8)} ${med(e.times.changed).toFixed(0).padStart(8)}`);
    const byName = (n: string) => engines.find((e) => e.name === n);
    const ratio = (a: string, b: string) => {
      const x = byName(a);
      const y = byName(b);
      if (!x || !y) return;
      out.push('', `${a} / ${b}:`);
      for (const k of ['cold', 'cached', 'changed'] as const) {
        if (x.times[k].length === 0) continue;
        // Paired by round as well (the same round ran both, close in time): steadier under a changing load.
        const paired = x.times[k].length === y.times[k].length ? `, median of per-round ratios ${median(x.times[k].map((v, i) => v / (y.times[k][i] as number))).toFixed(2)}` : '';
        out.push(`  ${k.padEnd(8)} ${(median(x.times[k]) / median(y.times[k])).toFixed(2)}${paired}${k === 'cached' && b === 'docker (classic)' ? `   (goal ≤ ${a.startsWith('berth') ? '0.50' : '0.30'})` : ''}`);
      }
    };
    ratio('berth', 'docker (classic)');
    ratio('docker→berthd', 'docker (classic)');
    if (beforeDir !== undefined) {
      ratio('berth', 'berth (before)');
      ratio('docker→berthd', 'docker→berthd (before)');
    }
    out.push('', `load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
    process.stdout.write(out.join('\n') + '\n');
  } finally {
    for (const c of children.reverse()) {
      if (c.exitCode === null && c.signalCode === null) {
        const gone = new Promise<void>((r) => c.once('exit', () => r()));
        c.kill('SIGTERM');
        await gone;
      }
    }
    for (const p of readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((p) => p.startsWith(tmp)).sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', p]);
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`build-bench: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
