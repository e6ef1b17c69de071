// bench/report: runs the benches (each with --json), keeps their results in
// bench/results/<bench>.json together with the machine they ran on, and
// writes bench/RESULTS.md's generated part — the machine, issue 15's goals
// with met/missed, and one section per bench with a table and a PNG chart in
// bench/charts/ — between the markers below, leaving every hand-written line
// of RESULTS.md outside them as it is. A bench that is not run this time keeps
// its earlier result (its section says when and where it ran); `--fresh`
// forgets earlier results. Run as root after `npm run build` and bench/setup.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load, machine, type Machine } from './lib/machine.ts';
import { logFor, repo } from './lib/proc.ts';
import { render } from './lib/report-md.ts';
import { benchNames, type BenchName, type Results } from './lib/results.ts';

const { note, fail } = logFor('report');

export const begin = '<!-- bench/report: begin (generated; edit bench/report.ts or rerun it, not this part) -->';
export const end = '<!-- bench/report: end -->';

// run-latency's goal line is a difference of medians (docker→berthd − docker --version − runc run): 40 rounds
// keep each median's noise under a millisecond or so; many: 5 rounds of 50 starts each.
const defaultRounds: Record<BenchName, number> = { 'run-latency': 40, 'cli-start': 30, many: 5, build: 5, pull: 3 };
const chartNames = ['goals.png', 'run-latency.png', 'cli-start.png', 'many.png', 'memory.png', 'build.png', 'pull.png'];

interface Options {
  benches: BenchName[];
  rounds: Record<BenchName, number>;
  count: number;
  berthdPid?: number;
  berthdHost?: string;
  rssAfterSuite: boolean;
  rssJson?: string;
  from?: string;
  results: string;
  fresh: boolean;
  stdout: boolean;
}

const usage = `usage: bench/report [-n N] [--rounds bench=N,...] [--only b,...] [--skip b,...] [-c COUNT]
                    [--rss-after-suite] [--berthd-pid PID [--berthd-host unix:///path]] [--rss-json FILE]
                    [--from DIR] [--results DIR] [--fresh] [--stdout]
benches: ${benchNames.join(', ')} (default rounds: ${benchNames.map((b) => `${b} ${defaultRounds[b]}`).join(', ')})
`;

function list(v: string | undefined): BenchName[] {
  const names = (v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const n of names) if (!(benchNames as readonly string[]).includes(n)) fail(`unknown bench "${n}" (${benchNames.join(', ')})`);
  return names as BenchName[];
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { benches: [...benchNames], rounds: { ...defaultRounds }, count: 50, results: join(repo, 'bench', 'results'), rssAfterSuite: false, fresh: false, stdout: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i] ?? fail(`${a} needs a value`);
    if (a === '-n') {
      const n = Number(next());
      if (!Number.isInteger(n) || n < 1) fail('-n needs a positive integer');
      for (const b of benchNames) o.rounds[b] = n;
    } else if (a === '--rounds') {
      for (const kv of next().split(',')) {
        const [k = '', v = ''] = kv.split('=');
        const b = list(k)[0] ?? fail(`--rounds wants bench=N, not "${kv}"`);
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) fail(`--rounds wants bench=N, not "${kv}"`);
        o.rounds[b] = n;
      }
    } else if (a === '--only') o.benches = list(next());
    else if (a === '--skip') {
      const skip = list(next());
      o.benches = o.benches.filter((b) => !skip.includes(b));
    } else if (a === '-c' || a === '--count') o.count = Number(next());
    else if (a === '--berthd-pid') o.berthdPid = Number(next());
    else if (a === '--berthd-host') o.berthdHost = next();
    else if (a === '--rss-after-suite') o.rssAfterSuite = true;
    else if (a === '--rss-json') o.rssJson = next();
    else if (a === '--from') o.from = next();
    else if (a === '--results') o.results = next();
    else if (a === '--fresh') o.fresh = true;
    else if (a === '--stdout') o.stdout = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write(usage);
      process.exit(0);
    } else fail(`unknown option "${a}"\n${usage}`);
  }
  return o;
}

type Stamp = Machine & { date: string; loadBefore: number[]; loadAfter: number[] };

/** Runs one bench with --json; its progress goes to our stderr. Returns its parsed output, or undefined when it failed. */
function runBench(file: string, args: readonly string[]): unknown {
  note(`running bench/${file} ${args.join(' ')}`);
  // node with tsx's loader, as bench/<name> runs it (the tsx CLI would kill the bench on SIGINT before it cleans up).
  const r = spawnSync(process.execPath, ['--import', join(repo, 'node_modules', 'tsx', 'dist', 'loader.mjs'), join(repo, 'bench', file), ...args, '--json'], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    note(`bench/${file} failed (${r.status ?? r.signal}); its earlier result, if any, is kept`);
    return undefined;
  }
  try {
    return JSON.parse(r.stdout) as unknown;
  } catch (e) {
    note(`bench/${file} printed no JSON: ${(e as Error).message}`);
    return undefined;
  }
}

/** Results kept in `dir` (each file: { machine, result }). */
function readResults(dir: string): { results: Partial<Results>; machines: Partial<Record<string, Stamp>> } {
  const results: Record<string, unknown> = {};
  const machines: Partial<Record<string, Stamp>> = {};
  if (!existsSync(dir)) return { results: {}, machines };
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json')) continue;
    const j = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { machine: Stamp; result: unknown };
    const bench = name.slice(0, -5);
    results[bench] = j.result;
    machines[bench] = j.machine;
  }
  return { results: results as Partial<Results>, machines };
}

function machineLine(m: Stamp): string {
  return `${m.cores} × ${m.cpu}, Linux ${m.kernel}, cgroup ${m.cgroup}, berth ${m.berth}`;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const dir = o.from ?? o.results;
  if (!o.from) {
    if (process.getuid?.() !== 0) fail('run me as root (the benches need it), or use --from DIR to only render');
    if (o.fresh) rmSync(o.results, { recursive: true, force: true });
    mkdirSync(o.results, { recursive: true });
    const save = (bench: string, result: unknown, loadBefore: number[]) => {
      const stamp: Stamp = { ...machine(), date: new Date().toISOString(), loadBefore, loadAfter: load() };
      writeFileSync(join(o.results, `${bench}.json`), JSON.stringify({ machine: stamp, result }, null, 2) + '\n');
    };
    const files: Record<BenchName, string> = { 'run-latency': 'run-latency.ts', 'cli-start': 'cli-start.ts', many: 'many.ts', build: 'build.ts', pull: 'pull.ts' };
    for (const b of o.benches) {
      const before = load();
      const args = ['-n', String(o.rounds[b]), ...(b === 'many' ? ['-c', String(o.count)] : [])];
      const result = runBench(files[b], args);
      if (result !== undefined) save(b, result, before);
    }
    if (o.berthdPid !== undefined || o.rssAfterSuite) {
      const before = load();
      const which = o.berthdPid !== undefined ? ['--berthd-pid', String(o.berthdPid), ...(o.berthdHost ? ['--host', o.berthdHost] : [])] : ['--after-suite'];
      const result = runBench('rss.ts', [...which, '-c', String(o.count)]);
      if (result !== undefined) save('rss', result, before);
    }
    if (o.rssJson) save('rss', JSON.parse(readFileSync(o.rssJson, 'utf8')) as unknown, load());
  }

  const { results, machines } = readResults(dir);
  const stamps = Object.values(machines).filter((m): m is Stamp => m !== undefined).sort((a, b) => a.date.localeCompare(b.date));
  const newest = stamps.at(-1) ?? fail(`no results in ${dir}`);
  const header: Stamp = { ...newest, loadBefore: stamps[0]!.loadBefore, loadAfter: newest.loadAfter };
  const full: Results = { ...results, machine: header };
  const chartsDir = join(repo, 'bench', 'charts');
  mkdirSync(chartsDir, { recursive: true });
  const { markdown, charts, problems } = render(full, chartsDir, 'charts');
  for (const p of problems) note(`chart ${p}`);
  // Results from another machine or commit than the header's are marked where they are rendered.
  const others = Object.entries(machines).filter(([, m]) => m && machineLine(m) !== machineLine(newest));
  const extra = others.length ? `\n\nResults kept from earlier runs on another machine or commit: ${others.map(([b, m]) => `${b} (${machineLine(m!)}, ${m!.date.slice(0, 16)})`).join('; ')}.\n` : '';
  const block = `${begin}\n${markdown.trimEnd()}${extra}\n${end}`;
  if (o.stdout) {
    process.stdout.write(block + '\n');
    return;
  }
  for (const c of chartNames) if (!charts.includes(c)) rmSync(join(chartsDir, c), { force: true });
  const path = join(repo, 'bench', 'RESULTS.md');
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '# bench results\n';
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  let next: string;
  if (a >= 0 && b > a) next = text.slice(0, a) + block + text.slice(b + end.length);
  else {
    // No markers yet: the generated part goes after the title line.
    const nl = text.indexOf('\n');
    next = `${text.slice(0, nl + 1)}\n${block}\n${text.slice(nl + 1)}`;
  }
  writeFileSync(path, next);
  note(`wrote ${path} and ${charts.length} charts in ${chartsDir}`);
}

await main().catch((e: unknown) => fail((e as Error).stack ?? String(e)));
