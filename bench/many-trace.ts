// bench/run-latency --trace --many N: where berthd's time and CPU go when it
// starts N containers one after the other (`docker run -d busybox sleep 1000`,
// on the default bridge unless --network none) and removes them with one
// `docker rm -f` of the N — the 50-container case of issue 15 through the
// docker CLI (berth's engine alone). Per round and daemon it times both
// phases and reads berthd's CPU from /proc: its main thread (the event loop),
// its other threads (libuv's pool, V8's), and the children it reaped (runc
// start/delete, the CNI plugins, conmon's first process; not conmon's daemon
// or the runc create under it, which are conmon's children). With tracing on
// (the default) it also sums berthd's spans per phase — each name's count and
// total ms — and counts the processes berthd started (spans `runtime *`,
// `cni *`, `tool *`, conmon's spawn). `--before DIR` adds an untraced berthd
// from DIR/bin/berthd, interleaved (the order rotating every round), and
// `--untraced` keeps the current one untraced too, for an A/B.
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { Workspace } from './lib/cleanup.ts';
import type { Daemon } from './lib/daemons.ts';
import { median, rotate, timeCommand } from './lib/proc.ts';

interface Span { span: string; start: number; ms: number }

export interface ManyTraceOptions {
  readonly count: number;
  readonly rounds: number;
  readonly network: 'default' | 'none';
  readonly json: boolean;
}

export interface TracedDaemon {
  readonly name: string;
  readonly daemon: Daemon;
  /** BERTH_TRACE's file, when traced. */
  readonly traceFile?: string;
}

/** CPU in ms: the process's main thread, its other threads, and its reaped children (user + system). */
interface Cpu { main: number; threads: number; children: number }

const tick = 1000 / 100; // USER_HZ

function statFields(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
}

function cpuOf(pid: number): Cpu {
  const f = statFields(`/proc/${pid}/stat`);
  // utime 14, stime 15, cutime 16, cstime 17 (1-based): index = field - 3.
  const all = (Number(f[11]) + Number(f[12])) * tick;
  const children = (Number(f[13]) + Number(f[14])) * tick;
  const m = statFields(`/proc/${pid}/task/${pid}/stat`);
  const main = (Number(m[11]) + Number(m[12])) * tick;
  return { main, threads: all - main, children };
}

const minus = (a: Cpu, b: Cpu): Cpu => ({ main: a.main - b.main, threads: a.threads - b.threads, children: a.children - b.children });

function spansSince(file: string | undefined, from: number): { spans: Span[]; end: number } {
  if (!file || !existsSync(file)) return { spans: [], end: from };
  const buf = readFileSync(file);
  const spans = buf.subarray(from).toString('utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Span);
  return { spans, end: buf.length };
}

const isProcess = (s: string) => /^(runtime |cni |tool )/.test(s) || s.startsWith('create: conmon spawn');

interface Phase { ms: number[]; cpu: Cpu[]; spans: Map<string, { n: number; ms: number }>; processes: number[] }

const newPhase = (): Phase => ({ ms: [], cpu: [], spans: new Map(), processes: [] });

/** Runs the rounds and prints (or returns as JSON) the result. */
export async function traceMany(ws: Workspace, daemons: readonly TracedDaemon[], docker: string, o: ManyTraceOptions): Promise<void> {
  const netArgs = o.network === 'none' ? ['--network', 'none'] : [];
  const results = new Map(daemons.map((d) => [d.name, { start: newPhase(), rm: newPhase() }]));
  const offsets = new Map(daemons.map((d) => [d.name, spansSince(d.traceFile, 0).end]));
  const record = (d: TracedDaemon, phase: Phase, ms: number, cpu: Cpu) => {
    phase.ms.push(ms);
    phase.cpu.push(cpu);
    const { spans, end } = spansSince(d.traceFile, offsets.get(d.name) ?? 0);
    offsets.set(d.name, end);
    let procs = 0;
    for (const s of spans) {
      const e = phase.spans.get(s.span) ?? { n: 0, ms: 0 };
      e.n++;
      e.ms += s.ms;
      phase.spans.set(s.span, e);
      if (isProcess(s.span)) procs++;
    }
    if (d.traceFile) phase.processes.push(procs);
  };
  for (let round = 0; round < o.rounds; round++) {
    for (const d of rotate(daemons, round)) {
      const r = results.get(d.name)!;
      const ids: string[] = [];
      let total = 0;
      const c0 = cpuOf(d.daemon.pid);
      for (let i = 0; i < o.count; i++) {
        await ws.tick();
        const t = timeCommand(docker, ['run', '-d', ...netArgs, 'busybox', 'sleep', '1000'], d.daemon.env, 120_000);
        if (!t.ok) throw new Error(`${d.name}: run -d failed: ${t.err}`);
        ids.push(t.stdout.trim());
        total += t.ms;
      }
      await new Promise((res) => setTimeout(res, 100)); // the trace stream flushes
      const c1 = cpuOf(d.daemon.pid);
      record(d, r.start, total, minus(c1, c0));
      await ws.tick();
      const t = timeCommand(docker, ['rm', '-f', ...ids], d.daemon.env, 300_000);
      if (!t.ok) throw new Error(`${d.name}: rm -f failed: ${t.err}`);
      // berthd's removals end after the answer (the runtime's delete, the rootfs): their CPU is the phase's too.
      await d.daemon.settled();
      await new Promise((res) => setTimeout(res, 100));
      record(d, r.rm, t.ms, minus(cpuOf(d.daemon.pid), c1));
    }
  }
  const load = loadavg().map((x) => x.toFixed(2)).join(' ');
  const summary = (p: Phase) => ({
    medianMs: median(p.ms),
    samplesMs: p.ms,
    cpuPerContainerMs: { main: median(p.cpu.map((c) => c.main)) / o.count, threads: median(p.cpu.map((c) => c.threads)) / o.count, children: median(p.cpu.map((c) => c.children)) / o.count },
    processesPerContainer: p.processes.length ? median(p.processes) / o.count : null,
    spans: Object.fromEntries([...p.spans].sort((a, b) => b[1].ms - a[1].ms).map(([k, v]) => [k, { perContainer: v.n / o.rounds / o.count, msPerContainer: v.ms / o.rounds / o.count }])),
  });
  const out = Object.fromEntries([...results].map(([name, r]) => [name, { start: summary(r.start), rm: summary(r.rm) }]));
  if (o.json) {
    process.stdout.write(JSON.stringify({ count: o.count, rounds: o.rounds, network: o.network, load, daemons: out }, null, 2) + '\n');
    return;
  }
  const lines: string[] = [`${o.count} × run -d${o.network === 'none' ? ' --network none' : ''} busybox sleep 1000, then rm -f of the ${o.count}; ${o.rounds} round(s), medians (load average ${load}):`];
  for (const [name, r] of Object.entries(out)) {
    for (const [phase, p] of [['run -d', r.start], ['rm -f', r.rm]] as const) {
      const c = p.cpuPerContainerMs;
      const per = phase === 'run -d' ? ` (${(p.medianMs / o.count).toFixed(1)} ms each)` : '';
      lines.push(`${name.padEnd(8)} ${phase.padEnd(7)} ${(p.medianMs / 1000).toFixed(2).padStart(6)} s${per}; berthd CPU per container: main thread ${c.main.toFixed(1)} ms, other threads ${c.threads.toFixed(1)}, children ${c.children.toFixed(1)}${p.processesPerContainer === null ? '' : `; processes started ${p.processesPerContainer.toFixed(1)}`}`);
    }
  }
  const names = Object.keys(out);
  if (names.length === 2) {
    const [a, b] = names as [string, string];
    const ratio = (phase: 'start' | 'rm') => {
      const pa = results.get(a)![phase].ms;
      const pb = results.get(b)![phase].ms;
      return `${(median(pa) / median(pb)).toFixed(2)} (medians), ${median(pa.map((x, i) => x / pb[i]!)).toFixed(2)} (per round)`;
    };
    lines.push(`${a}/${b}: run -d ${ratio('start')}; rm -f ${ratio('rm')}`);
  }
  for (const [name, r] of Object.entries(out)) {
    for (const [phase, p] of [['run -d', r.start], ['rm -f', r.rm]] as const) {
      const spans = Object.entries(p.spans);
      if (spans.length === 0) continue;
      lines.push('', `${name}, ${phase}: spans per container (count, summed ms; concurrent spans overlap):`);
      for (const [k, v] of spans.slice(0, 40)) lines.push(`${v.msPerContainer.toFixed(1).padStart(8)} ms ${v.perContainer.toFixed(1).padStart(5)}×  ${k}`);
    }
  }
  process.stdout.write(lines.join('\n') + '\n');
}


