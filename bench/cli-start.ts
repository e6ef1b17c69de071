// bench/cli-start: how fast berth's CLI starts, side by side with the docker
// CLI, interleaved (one run of each command per round, the order rotating):
// `--version`, and `ps` against a private berthd that this bench starts (its own
// roots in /tmp/berth-bench-*, removed after). Compares the compiled CLI
// (dist/berth, Bun) with the same CLI on Node (dist/berth.cjs) and Node's bare
// start; `--also 'label=command line'` adds candidates (run through sh -c, with
// DOCKER_HOST set to the private berthd). Run as root after `npm run build`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function fail(msg: string): never {
  process.stderr.write(`cli-start: ${msg}\n`);
  process.exit(1);
}

interface Case { readonly name: string; readonly argv: readonly string[]; readonly samples: number[] }

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function waitForPing(socketPath: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`berthd exited (${child.exitCode})`);
    const ok = await new Promise<boolean>((res) => {
      const req = request({ socketPath, path: '/_ping', timeout: 1000 }, (r) => { r.resume(); res(r.statusCode === 200); });
      req.on('error', () => res(false));
      req.end();
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('berthd did not answer');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let rounds = 30;
  let json = false;
  const also: { name: string; cmd: string }[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-n') rounds = Number(args[++i]);
    else if (a === '--json') json = true;
    else if (a === '--also') {
      const v = args[++i] ?? fail('--also needs label=command');
      const eq = v.indexOf('=');
      if (eq <= 0) fail('--also needs label=command');
      also.push({ name: v.slice(0, eq), cmd: v.slice(eq + 1) });
    } else if (a === '-h' || a === '--help') {
      process.stdout.write("usage: bench/cli-start [-n ROUNDS] [--also 'label=command']... [--json]\n");
      return;
    } else fail(`unknown option "${a}"`);
  }
  if (!Number.isInteger(rounds) || rounds < 1) fail('-n needs a positive integer');
  if (process.getuid?.() !== 0) fail('run me as root (berthd needs it)');
  if (!existsSync(join(repo, 'dist', 'berth'))) fail('dist/berth is not built (npm run build)');
  const docker = spawnSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).stdout.trim() || fail('the docker CLI is not installed');

  const tmp = mkdtempSync('/tmp/berth-bench-');
  const sock = join(tmp, 'berth.sock');
  const bridge = `bc${process.pid % 100000}`;
  const berthd = spawn(join(repo, 'bin', 'berthd'), ['--data-root', join(tmp, 'root'), '--exec-root', join(tmp, 'exec'), '--host', `unix://${sock}`, '--bridge', bridge, '--bip', `10.250.${process.pid % 250}.1/24`], { stdio: 'ignore' });
  const cleanup = async () => {
    if (berthd.exitCode === null && berthd.signalCode === null) {
      const gone = new Promise((r) => berthd.once('exit', r));
      berthd.kill('SIGTERM');
      await gone;
    }
    spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    await waitForPing(sock, berthd);
    const env = { ...process.env, DOCKER_HOST: `unix://${sock}` };
    const berth = join(repo, 'bin', 'berth');
    const cjs = join(repo, 'dist', 'berth.cjs');
    const cases: Case[] = [
      { name: 'docker --version', argv: [docker, '--version'], samples: [] },
      { name: 'berth --version (compiled, Bun)', argv: [berth, '--version'], samples: [] },
      { name: 'berth.cjs --version (Node)', argv: [process.execPath, cjs, '--version'], samples: [] },
      { name: 'node -e 0', argv: [process.execPath, '-e', '0'], samples: [] },
      { name: 'docker ps', argv: [docker, 'ps'], samples: [] },
      { name: 'berth ps (compiled, Bun)', argv: [berth, 'ps'], samples: [] },
      { name: 'berth.cjs ps (Node)', argv: [process.execPath, cjs, 'ps'], samples: [] },
      ...also.map((a) => ({ name: a.name, argv: ['sh', '-c', `exec ${a.cmd}`], samples: [] })),
    ];
    const once = (c: Case): number => {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(c.argv[0]!, c.argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 30_000 });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status !== 0) throw new Error(`${c.name} failed (${r.status ?? r.signal}): ${(r.stderr ?? '').trim().split('\n')[0]}`);
      return ms;
    };
    for (const c of cases) once(c); // warm-up (page cache)
    for (let round = 0; round < rounds; round++) {
      const shift = round % cases.length;
      for (const c of [...cases.slice(shift), ...cases.slice(0, shift)]) c.samples.push(once(c));
    }
    const load = loadavg().map((x) => x.toFixed(2)).join(' ');
    const med = (name: string) => median(cases.find((c) => c.name === name)!.samples);
    if (json) {
      process.stdout.write(JSON.stringify({ rounds, load, nodeExtraCaCerts: process.env['NODE_EXTRA_CA_CERTS'] ?? null, cases: cases.map((c) => ({ name: c.name, medianMs: median(c.samples), samplesMs: c.samples })) }, null, 2) + '\n');
      return;
    }
    const out = [`CLI start-up, ${rounds} rounds interleaved, medians (load average ${load}; NODE_EXTRA_CA_CERTS ${process.env['NODE_EXTRA_CA_CERTS'] ? 'set' : 'unset'})`];
    for (const c of cases) out.push(`${median(c.samples).toFixed(1).padStart(8)} ms  ${c.name}   (min ${Math.min(...c.samples).toFixed(1)}, max ${Math.max(...c.samples).toFixed(1)})`);
    out.push('', 'ratios to the docker CLI (goal ≤ 1.00):');
    out.push(`${(med('berth --version (compiled, Bun)') / med('docker --version')).toFixed(2).padStart(8)}  berth --version / docker --version`);
    out.push(`${(med('berth ps (compiled, Bun)') / med('docker ps')).toFixed(2).padStart(8)}  berth ps / docker ps`);
    process.stdout.write(out.join('\n') + '\n');
  } finally {
    await cleanup();
  }
}

await main().catch((e: unknown) => fail((e as Error).stack ?? String(e)));
