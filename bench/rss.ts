// bench/rss: the memory of a berthd that this bench did not start — for
// issue 15's goal "berthd ≤ 80 MB after the whole test suite has run against
// it and with 50 running containers". Give it the pid of a berthd that has
// served the suite; it samples that daemon's RSS and PSS (and its conmons'),
// then, unless `-c 0`, starts 50 `run -d busybox sleep 1000` containers in it
// (from an image of its own, `berth-bench/busybox:<pid>`, imported from
// scripts/setup's busybox tar), samples again, removes the containers and the
// image, and samples once more. It changes nothing else in that daemon and
// stops nothing. Run as root after `npm run build`; see README.md.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { berthFootprint } from './lib/footprint.ts';
import { busyboxRootfsTar } from './lib/images.ts';
import { load } from './lib/machine.ts';
import { logFor, must, repo, timeCommand } from './lib/proc.ts';
import type { RssResult } from './lib/results.ts';

const { note, fail } = logFor('rss');

interface Options {
  pid: number;
  host?: string;
  execRoot?: string;
  count: number;
  network: 'default' | 'none';
  json: boolean;
  settleMs: number;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Partial<Options> & { count: number; network: 'default' | 'none'; json: boolean; settleMs: number } = { count: 50, network: 'default', json: false, settleMs: 2000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--berthd-pid' || a === '--pid') o.pid = Number(argv[++i]);
    else if (a === '--host' || a === '-H') o.host = argv[++i] ?? fail('--host needs unix:///path');
    else if (a === '--exec-root') o.execRoot = argv[++i] ?? fail('--exec-root needs a directory');
    else if (a === '-c' || a === '--count') o.count = Number(argv[++i]);
    else if (a === '--network') {
      const v = argv[++i];
      if (v === 'default' || v === 'none') o.network = v;
      else fail('--network is default or none');
    } else if (a === '--json') o.json = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: bench/rss --berthd-pid PID [--host unix:///path] [--exec-root DIR] [-c COUNT] [--network default|none] [--json]\n');
      process.exit(0);
    } else fail(`unknown option "${a}" (see bench/rss --help)`);
  }
  if (!o.pid || !Number.isInteger(o.pid)) fail('--berthd-pid PID is needed');
  if (!Number.isInteger(o.count) || o.count < 0) fail('-c needs a whole number');
  return o as Options;
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

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) fail('run me as root (to read the daemon’s memory maps)');
  let argv: string[] = [];
  try {
    argv = readFileSync(`/proc/${o.pid}/cmdline`, 'utf8').split('\0').filter((x) => x !== '');
  } catch {
    fail(`no process ${o.pid}`);
  }
  if (!argv.some((a) => a.includes('berthd'))) fail(`process ${o.pid} is not a berthd: ${argv.join(' ')}`);
  const execRoot = o.execRoot ?? flag(argv, ['--exec-root']) ?? '/run/berth';
  const host = o.host ?? flag(argv, ['--host', '-H']) ?? 'unix:///run/berth/berth.sock';
  if (flag(argv, ['--config-file']) && (!o.execRoot || !o.host)) note('berthd runs with --config-file: pass --exec-root and --host when they are set there');
  const loadBefore = load();
  const samples: RssResult['samples'] = [];
  const sample = (name: string) => samples.push({ name, footprint: berthFootprint(o.pid, execRoot) });
  sample('as found');
  let startMs: number | null = null;
  let rmMs: number | null = null;

  if (o.count > 0) {
    const env = { ...process.env, DOCKER_HOST: host };
    const berth = join(repo, 'bin', 'berth');
    const tag = `berth-bench/busybox:${process.pid}`;
    const tmp = mkdtempSync('/tmp/berth-bench-rss-');
    const ids: string[] = [];
    try {
      must(berth, ['import', '-c', 'CMD ["sh"]', busyboxRootfsTar(tmp), tag], { env });
      const net = o.network === 'none' ? ['--network', 'none'] : [];
      let total = 0;
      for (let i = 0; i < o.count; i++) {
        const r = timeCommand(berth, ['run', '-d', ...net, '--label', `berth-bench=${process.pid}`, tag, 'sleep', '1000'], env, 120_000);
        if (!r.ok) throw new Error(`run ${i + 1}: ${r.err}`);
        ids.push(r.stdout.trim());
        total += r.ms;
      }
      startMs = total;
      await sleep(o.settleMs);
      sample(`with ${o.count} running`);
    } finally {
      if (ids.length > 0) {
        const r = timeCommand(berth, ['rm', '-f', ...ids], env, 300_000);
        if (!r.ok) note(`rm -f: ${r.err}`);
        else rmMs = r.ms;
      }
      const r = timeCommand(berth, ['rmi', tag], env);
      if (!r.ok) note(`rmi ${tag}: ${r.err}`);
      rmSync(tmp, { recursive: true, force: true });
    }
    await sleep(o.settleMs);
    sample(`after removing the ${o.count}`);
  }

  const result: RssResult = { bench: 'rss', date: new Date().toISOString(), loadBefore, loadAfter: load(), pid: o.pid, host, count: o.count, network: o.network, samples, startMs, rmMs };
  if (o.json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return;
  }
  const mib = (k: number) => (k / 1024).toFixed(1);
  const out = [`berthd ${o.pid} (${host}), load average before ${loadBefore.join(' ')}, after ${result.loadAfter.join(' ')}`];
  for (const s of samples) {
    const f = s.footprint;
    out.push(`  ${s.name.padEnd(28)} berthd RSS ${mib(f.daemon.rss).padStart(6)} MiB, PSS ${mib(f.daemon.pss).padStart(6)} MiB; ${f.perContainer.n} conmon, RSS ${mib(f.perContainer.rss)} MiB in all`);
  }
  out.push('  goal (issue 15): berthd RSS ≤ 80 MB after the whole test suite and with 50 running containers');
  process.stdout.write(out.join('\n') + '\n');
}

await main().catch((e: unknown) => fail((e as Error).stack ?? String(e)));
