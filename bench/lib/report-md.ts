// The Markdown bench/report writes into RESULTS.md (between its markers):
// the machine, the goals of issue 15 with met/missed, and one section per
// bench with a table and a chart (PNG under bench/charts/).
import { join } from 'node:path';
import { engineMem, manyRatios } from '../many-report.ts';
import { drawBars, type Chart } from './chart.ts';
import { goals, met } from './goals.ts';
import type { Results } from './results.ts';

const f = (x: number | null | undefined, d = 1) => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));
const mib = (kib: number | undefined) => (kib === undefined ? null : kib / 1024);
const when = (x: { date: string; loadBefore: number[]; loadAfter: number[]; rounds?: number }) =>
  `${x.date.replace('T', ' ').slice(0, 16)} UTC${x.rounds !== undefined ? `, ${x.rounds} round${x.rounds === 1 ? '' : 's'}` : ''}, load average ${x.loadBefore.join(' ')} before, ${x.loadAfter.join(' ')} after`;

export interface Rendered {
  markdown: string;
  /** Charts written (file names under the charts dir). */
  charts: string[];
  /** Charts that could not be drawn, with why. */
  problems: string[];
}

/**
 * Renders `r`; charts go to `chartsDir` and are linked as `chartsLink/<name>`
 * (relative to RESULTS.md).
 */
export function render(r: Results, chartsDir: string, chartsLink: string): Rendered {
  const charts: string[] = [];
  const problems: string[] = [];
  const chart = (name: string, c: Omit<Chart, 'file'>): string => {
    const why = drawBars({ ...c, file: join(chartsDir, name) });
    if (why) {
      problems.push(`${name}: ${why}`);
      return `(no chart: ${why})`;
    }
    charts.push(name);
    return `![${c.title}](${chartsLink}/${name})`;
  };
  const m = r.machine;
  const out: string[] = [];
  out.push(`## Measured by bench/report: ${m.date.replace('T', ' ').slice(0, 16)} UTC`, '');
  out.push(
    `**Machine.** ${m.cores} × ${m.cpu}, ${m.memGiB} GiB RAM; Linux ${m.kernel}, ${m.os}; cgroup ${m.cgroup}. ` +
      `berth ${m.berth}; ${Object.entries(m.versions).map(([k, v]) => `${k}: ${v}`).join('; ')}. ` +
      `NODE_EXTRA_CA_CERTS ${m.nodeExtraCaCerts ? 'set' : 'unset'}. ` +
      `Load average (1, 5, 15 min) ${m.loadBefore.join(' ')} before the first bench, ${m.loadAfter.join(' ')} after the last; each section gives its own.`,
    '',
  );
  const busiest = Math.max(m.loadBefore[0] ?? 0, m.loadAfter[0] ?? 0, ...[r['run-latency'], r['cli-start'], r.many, r.build, r.pull].flatMap((x) => (x ? [x.loadBefore[0] ?? 0, x.loadAfter[0] ?? 0] : [])));
  if (busiest > m.cores) out.push(`**A busy machine:** the 1-minute load average reached ${busiest} on ${m.cores} cores during these runs (it counts the benches' own daemons, pulls and 50-container rounds as well as any other work on the machine), so absolute times are inflated and noisy; the ratios, measured interleaved, are the better guide, and the goals ask for a quiet machine.`, '');

  // Goals.
  const gs = goals(r);
  out.push('### Goals (issue 15, acceptance)', '');
  out.push(chart('goals.png', {
    title: 'measured ÷ goal (≤ 1 is met; log scale)',
    ylabel: 'measured / goal',
    series: ['measured ÷ goal'],
    rows: gs.filter((g) => g.value !== null).map((g) => ({ label: g.label, values: [g.value! / g.target] })),
    line: { y: 1, title: 'goal' },
    decimals: 2,
    log: true,
    width: 880,
    height: 360,
  }), '');
  out.push('| goal | measured | target | | how |', '| --- | --- | --- | --- | --- |');
  for (const g of gs) {
    const v = g.value === null ? '—' : g.unit === '×' ? `${f(g.value, 2)}×` : `${f(g.value, 1)} ${g.unit}`;
    const t = g.unit === '×' ? `≤ ${g.target}×` : `≤ ${g.target} ${g.unit}`;
    const s = met(g);
    out.push(`| ${g.goal} | ${v} | ${t} | ${s === 'met' ? 'met' : s === 'missed' ? '**missed**' : 'not measured'} | ${g.detail} |`);
  }
  out.push('', 'MB in the goals is read as MiB (as `ps` and `docker stats` count). The measured causes of the missed goals are in the hand-written sections below this generated part.', '');

  const rl = r['run-latency'];
  if (rl) {
    out.push('### `run --rm busybox true` (bench/run-latency)', '', when(rl) + '. "br": on the default bridge network; all others `--network none`.', '');
    const live = rl.variants.filter((v) => v.medianMs !== null);
    out.push(chart('run-latency.png', { title: 'run --rm busybox true, median ms', ylabel: 'ms', series: ['median'], rows: live.map((v) => ({ label: v.name, values: [v.medianMs] })), width: 900 }), '');
    out.push('| variant | median ms | min | max | n |', '| --- | --- | --- | --- | --- |');
    for (const v of rl.variants) {
      if (v.medianMs === null) out.push(`| ${v.name} | ${v.skip ?? 'no successful run'} | | | |`);
      else out.push(`| ${v.name} | ${f(v.medianMs)} | ${f(Math.min(...v.samplesMs))} | ${f(Math.max(...v.samplesMs))} | ${v.n} |`);
    }
    out.push('', '| ratio of medians | value | goal |', '| --- | --- | --- |');
    for (const x of rl.ratios) out.push(`| ${x.name} | ${f(x.value, 2)} | ${x.goal ?? ''} |`);
    out.push('');
  }

  const cs = r['cli-start'];
  if (cs) {
    out.push('### CLI start (bench/cli-start)', '', `${when(cs)}. \`ps\` asks a private berthd (berth, docker CLI) or podman's own empty storage.`, '');
    out.push(chart('cli-start.png', { title: 'CLI start, median ms', ylabel: 'ms', series: ['median'], rows: cs.cases.map((c) => ({ label: c.name.replace(' (compiled, Bun)', ''), values: [c.medianMs] })), width: 900 }), '');
    out.push('| command | median ms | min | max |', '| --- | --- | --- | --- |');
    for (const c of cs.cases) out.push(`| ${c.name} | ${f(c.medianMs)} | ${f(Math.min(...c.samplesMs))} | ${f(Math.max(...c.samplesMs))} |`);
    for (const s of cs.skipped) out.push(`| ${s} | | | |`);
    out.push('');
  }

  const many = r.many;
  if (many) {
    out.push(`### ${many.count} containers: \`run -d busybox sleep 1000\` × ${many.count}, then \`rm -f\` of the ${many.count} (bench/many)`, '');
    out.push(`${when(many)}; ${many.network === 'none' ? '`--network none`' : 'the default network (each engine its own bridge; podman in a network namespace of its own)'}. One \`rm -f\` command with the ${many.count} ids (podman: \`rm -f -t 0\`, since its \`rm -f\` waits 10 s for SIGTERM first).`, '');
    const live = many.engines.filter((e) => e.skip === null);
    out.push(chart('many.png', { title: `${many.count} containers, median seconds`, ylabel: 's', series: [`${many.count} × run -d`, `rm -f of ${many.count}`], rows: live.map((e) => ({ label: e.name, values: [e.startMedianMs === null ? null : e.startMedianMs / 1000, e.rmMedianMs === null ? null : e.rmMedianMs / 1000] })), decimals: 1 }), '');
    out.push(`| engine | client → engine | ${many.count} × run -d, s | per run, ms | rm -f of ${many.count}, s | failures |`, '| --- | --- | --- | --- | --- | --- |');
    for (const e of many.engines) {
      if (e.skip !== null) out.push(`| ${e.name} | ${e.what} | ${e.skip} | | | |`);
      else out.push(`| ${e.name} | ${e.what} | ${f(e.startMedianMs === null ? null : e.startMedianMs / 1000, 2)} | ${f(e.eachStartMedianMs)} | ${f(e.rmMedianMs === null ? null : e.rmMedianMs / 1000, 2)} | ${e.failures.length ? e.failures.join('; ') : 'none'} |`);
    }
    out.push('', '| ratio of medians | value | goal |', '| --- | --- | --- |');
    for (const x of manyRatios(many)) out.push(`| ${x.name} | ${f(x.value, 2)} | ${x.goal !== undefined ? `≤ ${x.goal}` : ''} |`);
    out.push('');

    // Memory.
    out.push('### Memory (bench/many, bench/rss)', '');
    out.push('RSS is VmRSS (the goals\' unit); PSS (smaps_rollup) divides shared pages among the processes mapping them, so it depends on what else runs (other Node or dockerd processes lower it). Daemon: berthd alone; dockerd + the containerd it started; podman has none. Per container: conmon (berthd, podman) or containerd-shim-runc-v2 (dockerd) — the container\'s own processes are not counted.', '');
    const em = engineMem(many);
    const daemonAt = (k: string) => many.mem[k];
    out.push(chart('memory.png', {
      title: `memory, MiB (RSS; with ${many.count} running: median over rounds)`,
      ylabel: 'MiB',
      series: ['daemon fresh', `daemon, ${many.count} running`, `${many.count} × per-container process`],
      rows: em.map((e) => ({
        label: e.engine,
        values: [
          e.engine === 'berth' ? mib(daemonAt('berthd fresh')?.rss) : e.engine === 'docker' ? mib(daemonAt('dockerd + containerd fresh')?.rss) : 0,
          e.daemonRunningRss ?? 0,
          e.perContainerRss === null ? null : e.perContainerRss * many.count,
        ],
      })),
      decimals: 0,
    }), '');
    out.push('| daemon, moment | RSS MiB | PSS MiB |', '| --- | --- | --- |');
    for (const [k, v] of Object.entries(many.mem)) out.push(`| ${k} | ${f(mib(v?.rss))} | ${f(mib(v?.pss))} |`);
    for (const e of em) if (e.daemonRunningRss !== null) out.push(`| ${e.daemonWhat}, ${many.count} running (${e.engine}) | ${f(e.daemonRunningRss)} | ${f(e.daemonRunningPss)} |`);
    for (const e of em) if (e.daemonAfterRmRss !== null) out.push(`| ${e.daemonWhat}, after rm -f of the ${many.count} (${e.engine}) | ${f(e.daemonAfterRmRss)} | |`);
    out.push('', '| engine | per running container | RSS MiB each | PSS MiB each | found |', '| --- | --- | --- | --- | --- |');
    for (const e of em) out.push(`| ${e.engine} | ${e.perContainerWhat} | ${f(e.perContainerRss, 2)} | ${f(e.perContainerPss, 2)} | ${e.perContainerFound ?? 'n/a'} of ${many.count} |`);
    out.push('');
  }
  const rss = r.rss;
  if (rss) {
    const s = rss.suite;
    if (s) out.push(`**A berthd after docker-py's integration suite** (bench/rss --after-suite: a private berthd that served the suite — ${s.tests} tests in ${s.seconds} s, ${s.passed} passed, ${s.failures} failed, ${s.errors} errors, ${s.skipped} skipped; ${when(rss)}):`, '');
    else out.push(`**A berthd after the suite** (bench/rss --berthd-pid ${rss.pid}, ${rss.host}; ${when(rss)}):`, '');
    out.push('| moment | berthd RSS MiB | PSS MiB | conmon processes | their RSS MiB | load average |', '| --- | --- | --- | --- | --- | --- |');
    rss.samples.forEach((x, i) => out.push(`| ${x.name} | ${f(mib(x.footprint.daemon.rss))} | ${f(mib(x.footprint.daemon.pss))} | ${x.footprint.perContainer.n} | ${f(mib(x.footprint.perContainer.rss))} | ${rss.sampleLoads?.[i]?.join(' ') ?? ''} |`));
    out.push('');
  } else if (many) {
    out.push('No berthd that served the whole suite was sampled in this run (`bench/report --rss-after-suite`, or `--berthd-pid PID`).', '');
  }

  const build = r.build;
  if (build) {
    const perRound = build.cachedPerRound ?? 1;
    out.push('### Build (bench/build)', '', `${when(build)}. A 6-step Dockerfile on busybox, \`--network host\` for every engine; docker with its classic builder. Each round: a cold build (\`--no-cache\`), ${perRound === 1 ? 'a fully cached rebuild' : `${perRound} fully cached rebuilds one after the other`}, and a rebuild after one copied file changed${perRound === 1 ? '' : `; the cached column is the median of all ${perRound * (build.rounds ?? 0)} cached samples`}.`, '');
    out.push(chart('build.png', { title: 'build, median ms', ylabel: 'ms', series: ['cold (--no-cache)', 'fully cached', 'one COPY changed'], rows: build.engines.map((e) => ({ label: e.name, values: [e.medianMs.cold, e.medianMs.cached, e.medianMs.changed] })) }), '');
    out.push('| engine | cold ms | cached ms | changed ms |', '| --- | --- | --- | --- |');
    for (const e of build.engines) out.push(`| ${e.name} | ${f(e.medianMs.cold, 0)} | ${f(e.medianMs.cached, 0)} | ${f(e.medianMs.changed, 0)} |`);
    out.push('');
  }
  const pull = r.pull;
  if (pull) {
    out.push('### Cold pull (bench/pull)', '', `${when(pull)}. The Debian bookworm image (one layer, 218 MB unpacked) from a registry on loopback; removed after every pull.`, '');
    out.push(chart('pull.png', { title: 'cold pull, median s', ylabel: 's', series: ['median'], rows: pull.engines.map((e) => ({ label: e.name, values: [e.median / 1000] })), decimals: 1 }), '');
    out.push('| engine | median s | samples s |', '| --- | --- | --- |');
    for (const e of pull.engines) out.push(`| ${e.name} | ${f(e.median / 1000, 2)} | ${e.samples.map((x) => (x / 1000).toFixed(1)).join(', ')} |`);
    out.push('');
  }
  return { markdown: out.join('\n'), charts, problems };
}
