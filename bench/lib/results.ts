// The JSON each bench prints with --json, as bench/report reads it back
// (bench/results/<bench>.json). Every bench writes `bench`, `date` (ISO, UTC),
// `loadBefore` and `loadAfter` (1/5/15-minute load averages) and `rounds`.
import type { ManyResult } from '../many-report.ts';
import type { Machine } from './machine.ts';
import type { Footprint } from './footprint.ts';

export type { ManyResult };

interface Common {
  date: string;
  loadBefore: number[];
  loadAfter: number[];
  rounds: number;
}

export interface RunLatencyResult extends Common {
  bench: 'run-latency';
  variants: { name: string; what: string; skip: string | null; n: number; medianMs: number | null; samplesMs: number[] }[];
  ratios: { name: string; value: number | null; goal: string | null }[];
}

export interface CliStartResult extends Common {
  bench: 'cli-start';
  skipped: string[];
  nodeExtraCaCerts: string | null;
  cases: { name: string; medianMs: number; samplesMs: number[] }[];
}

export interface BuildResult extends Common {
  bench: 'build';
  /** Fully cached rebuilds timed per engine per round (absent in results before it was an option: 1). */
  cachedPerRound?: number;
  engines: { name: string; times: { cold: number[]; cached: number[]; changed: number[] }; medianMs: { cold: number | null; cached: number | null; changed: number | null } }[];
}

export interface PullResult extends Common {
  bench: 'pull';
  engines: { name: string; samples: number[]; median: number }[];
}

export interface RssResult {
  bench: 'rss';
  date: string;
  loadBefore: number[];
  loadAfter: number[];
  pid: number;
  host: string;
  count: number;
  network: 'default' | 'none';
  samples: { name: string; footprint: Footprint }[];
  /** The load average at each sample (absent in results from before it was kept). */
  sampleLoads?: number[][];
  startMs: number | null;
  rmMs: number | null;
  /** With --after-suite: the private berthd served docker-py's integration suite first (pytest's counts). */
  suite?: { dir: string; seconds: number; exitCode: number | null; tests: number; passed: number; failures: number; errors: number; skipped: number };
}

/** One report: the machine and whichever benches ran. */
export interface Results {
  machine: Machine & { date: string; loadBefore: number[]; loadAfter: number[] };
  'run-latency'?: RunLatencyResult;
  'cli-start'?: CliStartResult;
  many?: ManyResult;
  build?: BuildResult;
  pull?: PullResult;
  rss?: RssResult;
}

export const benchNames = ['run-latency', 'cli-start', 'many', 'build', 'pull'] as const;
export type BenchName = (typeof benchNames)[number];
