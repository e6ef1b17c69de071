// bench/cli-start: how fast berth's CLI starts, side by side with the docker
// CLI, interleaved (one run of each command per round, the order rotating):
// `--version`, and `ps` against a private berthd that this bench starts (its own
// roots in /tmp/berth-bench-*, removed after). Compares the compiled CLI
// (dist/berth, Bun) with the same CLI on Node (dist/berth.cjs) and Node's bare
// start; `--also 'label=command line'` adds candidates (run through sh -c, with
// DOCKER_HOST set to the private berthd). podman (when installed; private
// storage, lib/podman.ts) adds `podman --version` and `podman ps`. Run as root
// after `npm run build`.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { workspace } from './lib/cleanup.ts';
import { privateNet, startBerthd } from './lib/daemons.ts';
import { load } from './lib/machine.ts';
import { setupPodman } from './lib/podman.ts';
import { logFor, median, repo, rotate, timeCommand, which } from './lib/proc.ts';

const { note, fail } = logFor('cli-start');

interface Case { readonly name: string; readonly argv: readonly string[]; readonly env?: NodeJS.ProcessEnv; readonly samples: number[] }

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
  const docker = which('docker') ?? fail('the docker CLI is not installed');
  const skipped: string[] = [];

  const loadBefore = load();
  const ws = workspace('/tmp/berth-bench-', { note });
  const tmp = ws.dir;
  const net = privateNet('bc', 250);
  try {
    const berthd = await startBerthd({ dir: join(tmp, 'berth'), bridge: net.name, bip: net.bip });
    ws.defer(() => berthd.stop());
    const env = berthd.env;
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
    // podman: --version, and ps of its own (empty) private storage; it has no daemon to ask.
    const podman = setupPodman({ dir: join(tmp, 'podman') });
    if ('skip' in podman) skipped.push(`podman: ${podman.skip}`);
    else {
      ws.defer(() => podman.cleanup());
      cases.push({ name: 'podman --version', argv: podman.argv(['--version']), env: podman.env, samples: [] });
      cases.push({ name: 'podman ps', argv: podman.argv(['ps']), env: podman.env, samples: [] });
    }
    const once = (c: Case): number => {
      const r = timeCommand(c.argv[0]!, c.argv.slice(1), c.env ?? env, 30_000);
      if (!r.ok) throw new Error(`${c.name} failed: ${r.err}`);
      return r.ms;
    };
    for (const c of cases) once(c); // warm-up (page cache)
    for (let round = 0; round < rounds; round++) {
      await ws.tick();
      for (const c of rotate(cases, round)) c.samples.push(once(c));
    }
    const loadAfter = load();
    const med = (name: string) => median(cases.find((c) => c.name === name)!.samples);
    if (json) {
      process.stdout.write(JSON.stringify({ bench: 'cli-start', date: new Date().toISOString(), loadBefore, loadAfter, rounds, skipped, nodeExtraCaCerts: process.env['NODE_EXTRA_CA_CERTS'] ?? null, cases: cases.map((c) => ({ name: c.name, medianMs: median(c.samples), samplesMs: c.samples })) }, null, 2) + '\n');
      return;
    }
    const out = [`CLI start-up, ${rounds} rounds interleaved, medians (load average before ${loadBefore.join(' ')}, after ${loadAfter.join(' ')}; NODE_EXTRA_CA_CERTS ${process.env['NODE_EXTRA_CA_CERTS'] ? 'set' : 'unset'})`];
    for (const c of cases) out.push(`${median(c.samples).toFixed(1).padStart(8)} ms  ${c.name}   (min ${Math.min(...c.samples).toFixed(1)}, max ${Math.max(...c.samples).toFixed(1)})`);
    out.push('', 'ratios to the docker CLI (goal ≤ 1.00):');
    out.push(`${(med('berth --version (compiled, Bun)') / med('docker --version')).toFixed(2).padStart(8)}  berth --version / docker --version`);
    out.push(`${(med('berth ps (compiled, Bun)') / med('docker ps')).toFixed(2).padStart(8)}  berth ps / docker ps`);
    for (const s of skipped) out.push(`skipped: ${s}`);
    process.stdout.write(out.join('\n') + '\n');
  } finally {
    await ws.cleanup();
  }
}

await main().catch((e: unknown) => fail((e as Error).stack ?? String(e)));
