// bench/many's result (its --json) and what is derived from it: the ratios to
// docker and the memory per engine, printed as text here and used by
// bench/report for RESULTS.md.
import type { Footprint } from './lib/footprint.ts';
import { median } from './lib/proc.ts';

export interface ManyEngine {
  name: string;
  what: string;
  skip: string | null;
  /** Per round: the 50 `run -d` together, and the one `rm -f` of the 50 (ms). */
  startMs: number[];
  rmMs: number[];
  startMedianMs: number | null;
  rmMedianMs: number | null;
  eachStartMedianMs: number | null;
  /** Per round: memory with the containers running, and after their removal. */
  running: Footprint[];
  afterRm: Footprint[];
  failures: string[];
}

export interface ManyResult {
  bench: 'many';
  date: string;
  rounds: number;
  count: number;
  network: 'default' | 'none';
  loadBefore: number[];
  loadAfter: number[];
  engines: ManyEngine[];
  /** Daemon memory at named moments ("berthd fresh", …), KiB. */
  mem: Record<string, Footprint['daemon'] | undefined>;
}

export interface ManyRatio {
  name: string;
  value: number | null;
  goal?: number;
}

function byName(r: ManyResult, name: string): ManyEngine | undefined {
  return r.engines.find((e) => e.name === name && e.skip === null);
}

/** Ratios of medians: each engine's 50 starts and its rm -f against docker's, and berth's against podman's. */
export function manyRatios(r: ManyResult): ManyRatio[] {
  const ratio = (a: string, b: string, k: 'startMedianMs' | 'rmMedianMs') => {
    const x = byName(r, a)?.[k];
    const y = byName(r, b)?.[k];
    return x != null && y != null && y > 0 ? x / y : null;
  };
  return [
    { name: `${r.count} × run -d: berth / docker`, value: ratio('berth', 'docker', 'startMedianMs'), goal: 0.3 },
    { name: `rm -f of ${r.count}: berth / docker`, value: ratio('berth', 'docker', 'rmMedianMs'), goal: 0.3 },
    { name: `${r.count} × run -d: docker→berthd / docker`, value: ratio('docker→berthd', 'docker', 'startMedianMs') },
    { name: `rm -f of ${r.count}: docker→berthd / docker`, value: ratio('docker→berthd', 'docker', 'rmMedianMs') },
    { name: `${r.count} × run -d: podman / docker`, value: ratio('podman', 'docker', 'startMedianMs') },
    { name: `rm -f of ${r.count}: podman / docker`, value: ratio('podman', 'docker', 'rmMedianMs') },
    { name: `${r.count} × run -d: berth / podman`, value: ratio('berth', 'podman', 'startMedianMs') },
    { name: `rm -f of ${r.count}: berth / podman`, value: ratio('berth', 'podman', 'rmMedianMs') },
  ];
}

export interface EngineMem {
  engine: string;
  daemonWhat: string;
  /** Median over rounds, MiB: the daemon with the containers running. */
  daemonRunningRss: number | null;
  daemonRunningPss: number | null;
  /** Median over rounds, MiB: the daemon after rm -f. */
  daemonAfterRmRss: number | null;
  perContainerWhat: string;
  /** Median over rounds of (sum over the per-container processes) / count, MiB; how many were found. */
  perContainerRss: number | null;
  perContainerPss: number | null;
  perContainerFound: number | null;
}

const mib = (kib: number) => kib / 1024;

/** Memory per engine from its rounds (docker→berthd shares berthd with berth, so only berth, docker, podman). */
export function engineMem(r: ManyResult): EngineMem[] {
  const out: EngineMem[] = [];
  for (const e of r.engines) {
    if (e.skip !== null || e.name === 'docker→berthd' || e.running.length === 0) continue;
    const med = (xs: number[]) => (xs.length ? median(xs) : null);
    const perC = (f: Footprint, k: 'rss' | 'pss') => (f.perContainer.n > 0 ? mib(f.perContainer[k]) / f.perContainer.n : 0);
    const hasDaemon = e.running[0]!.daemon.n > 0;
    out.push({
      engine: e.name,
      daemonWhat: e.running[0]!.daemon.what,
      daemonRunningRss: hasDaemon ? med(e.running.map((f) => mib(f.daemon.rss))) : null,
      daemonRunningPss: hasDaemon ? med(e.running.map((f) => mib(f.daemon.pss))) : null,
      daemonAfterRmRss: hasDaemon ? med(e.afterRm.map((f) => mib(f.daemon.rss))) : null,
      perContainerWhat: e.running[0]!.perContainer.what,
      perContainerRss: med(e.running.map((f) => perC(f, 'rss'))),
      perContainerPss: med(e.running.map((f) => perC(f, 'pss'))),
      perContainerFound: med(e.running.map((f) => f.perContainer.n)),
    });
  }
  return out;
}

export function printMany(r: ManyResult): void {
  const f1 = (x: number | null | undefined, w = 8) => (x == null ? 'n/a' : x.toFixed(1)).padStart(w);
  const out: string[] = [];
  out.push(`${r.count} × run -d ${r.network === 'none' ? '--network none ' : ''}busybox sleep 1000, then rm -f of the ${r.count} — ${r.rounds} rounds, interleaved, medians`);
  out.push(`load average before ${r.loadBefore.join(' ')}, after ${r.loadAfter.join(' ')}`, '');
  out.push(`${'engine'.padEnd(15)} ${'start all ms'.padStart(12)} ${'per run ms'.padStart(10)} ${'rm -f ms'.padStart(9)}`);
  for (const e of r.engines) {
    if (e.skip !== null) {
      out.push(`${e.name.padEnd(15)} ${e.skip}`);
      continue;
    }
    out.push(`${e.name.padEnd(15)} ${f1(e.startMedianMs, 12)} ${f1(e.eachStartMedianMs, 10)} ${f1(e.rmMedianMs, 9)}`);
    for (const f of e.failures) out.push(`  failure: ${f}`);
  }
  out.push('', 'ratios of medians:');
  for (const x of manyRatios(r)) out.push(`  ${x.name.padEnd(36)} ${x.value == null ? 'n/a' : x.value.toFixed(2)}${x.goal !== undefined ? `   (goal ≤ ${x.goal})` : ''}`);
  out.push('', 'daemon memory (MiB):');
  for (const [k, v] of Object.entries(r.mem)) out.push(`  ${k.padEnd(42)} ${v ? `RSS ${f1(mib(v.rss), 6)}  PSS ${f1(mib(v.pss), 6)}` : 'n/a'}`);
  out.push('', `with ${r.count} running (medians over rounds, MiB):`);
  for (const m of engineMem(r)) {
    out.push(`  ${m.engine.padEnd(8)} daemon (${m.daemonWhat}) RSS ${f1(m.daemonRunningRss, 6)} PSS ${f1(m.daemonRunningPss, 6)}, after rm -f RSS ${f1(m.daemonAfterRmRss, 6)}; per container (${m.perContainerWhat}, ${m.perContainerFound} found) RSS ${f1(m.perContainerRss, 5)} PSS ${f1(m.perContainerPss, 5)}`);
  }
  process.stdout.write(out.join('\n') + '\n');
}
