// Bar charts as small PNGs, drawn by gnuplot's pngcairo terminal (Debian's
// gnuplot-nox; bench/setup installs it): one cluster of bars per row, one bar
// per series, values written above the bars, an optional dashed line (a goal).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { which } from './proc.ts';

export interface Chart {
  /** The PNG to write. */
  file: string;
  title: string;
  ylabel: string;
  /** One name per bar in a cluster. */
  series: readonly string[];
  /** One cluster per row; `null` draws no bar. */
  rows: readonly { label: string; values: readonly (number | null)[] }[];
  /** A dashed horizontal line and its key title (a goal), if any. */
  line?: { y: number; title: string };
  /** Decimals of the value labels (default 0). */
  decimals?: number;
  /** A logarithmic y axis (for values spanning decades). */
  log?: boolean;
  width?: number;
  height?: number;
}

/** gnuplot string literal (double quotes; its escapes). */
function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Draws the chart; returns why not when it cannot (no gnuplot, a gnuplot error). */
export function drawBars(c: Chart): string | undefined {
  if (!which('gnuplot')) return 'gnuplot is not installed (bench/setup installs gnuplot-nox)';
  const rows = c.rows.filter((r) => r.values.some((v) => v !== null && Number.isFinite(v)));
  if (rows.length === 0) return 'nothing measured';
  const dir = mkdtempSync('/tmp/berth-bench-chart-');
  try {
    const data = join(dir, 'data');
    writeFileSync(data, [...rows.map((r) => [q(r.label), ...r.values.map((v) => (v === null || !Number.isFinite(v) ? '?' : String(v)))].join(' '))].join('\n') + '\n');
    const n = c.series.length;
    const finite = rows.flatMap((r) => r.values.filter((v): v is number => v !== null && Number.isFinite(v) && (!c.log || v > 0)));
    const max = Math.max(...finite, c.line?.y ?? 0);
    const min = Math.min(...finite, c.line?.y ?? Infinity);
    const d = c.decimals ?? 0;
    // Bar i of n in cluster x sits at x + (i - (n-1)/2) * width, with gap 1: width 1/(n+1).
    const w = 1 / (n + 1);
    const labels = Array.from({ length: n }, (_, i) => `${q(data)} using ($0 + ${(i - (n - 1) / 2) * w}):${i + 2}:(sprintf("%.${d}f", column(${i + 2}))) with labels offset 0,0.6 font ",7" notitle`);
    const script = [
      `set terminal pngcairo size ${c.width ?? 720},${c.height ?? 320} font "DejaVu Sans,9" noenhanced`,
      `set output ${q(c.file)}`,
      `set title ${q(c.title)}`,
      `set ylabel ${q(c.ylabel)}`,
      'set datafile missing "?"',
      'set style data histograms',
      'set style histogram clustered gap 1',
      'set style fill solid 0.85 border -1',
      'set boxwidth 0.9',
      'set grid ytics lc rgb "#dddddd"',
      ...(c.log ? ['set logscale y', `set yrange [${min / 2}:${max * 2.5}]`] : [`set yrange [0:${max * 1.18 || 1}]`]),
      `set xrange [-0.6:${rows.length - 0.4}]`,
      'set xtics nomirror rotate by -20 font ",8"',
      n > 1 || c.line ? 'set key top right font ",8"' : 'unset key',
      'set linetype 1 lc rgb "#4477aa"',
      'set linetype 2 lc rgb "#ee6677"',
      'set linetype 3 lc rgb "#228833"',
      'set linetype 4 lc rgb "#ccbb44"',
      `plot ${[
        ...Array.from({ length: n }, (_, i) => `${q(data)} using ${i + 2}:xtic(1) title ${q(c.series[i]!)} lt ${i + 1}`),
        ...labels,
        ...(c.line ? [`${c.line.y} with lines dt 2 lw 1.5 lc rgb "#222222" title ${q(c.line.title)}`] : []),
      ].join(', \\\n  ')}`,
      '',
    ].join('\n');
    const r = spawnSync('gnuplot', [], { input: script, encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) return `gnuplot failed: ${(r.stderr || '').trim().split('\n').slice(-3).join(' / ')}`;
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
