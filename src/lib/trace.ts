// Debug-only span timings, for finding where a request's time goes
// (bench/run-latency --trace prints them). Off unless berthd starts with
// BERTH_TRACE set: to a file path (one JSON line per span is appended there)
// or to `1` (the lines go to stderr). When off, span() is one branch and the
// call of the function it wraps: no clock is read and nothing is kept.
import { createWriteStream, type WriteStream } from 'node:fs';
import { performance } from 'node:perf_hooks';

const target = process.env.BERTH_TRACE ?? '';

/** True when berthd records spans (BERTH_TRACE is set and not `0`). */
export const tracing = target !== '' && target !== '0';

let out: WriteStream | NodeJS.WriteStream | undefined;

function sink(): WriteStream | NodeJS.WriteStream {
  out ??= target === '1' ? process.stderr : createWriteStream(target, { flags: 'a' });
  return out;
}

/** One finished span: `start` is wall-clock epoch milliseconds (fractional), `ms` its length. */
export interface TraceSpan {
  readonly span: string;
  readonly start: number;
  readonly ms: number;
  readonly ok: boolean;
  readonly [attr: string]: unknown;
}

function emit(name: string, t0: number, ok: boolean, attrs: Readonly<Record<string, unknown>> | undefined): void {
  const t1 = performance.now();
  const rec: TraceSpan = { span: name, start: performance.timeOrigin + t0, ms: Math.round((t1 - t0) * 1000) / 1000, ok, ...attrs };
  sink().write(JSON.stringify(rec) + '\n');
}

/** Runs `fn` and, when tracing, records how long it took (until its promise settled). */
export function span<T>(name: string, attrs: Readonly<Record<string, unknown>> | undefined, fn: () => Promise<T>): Promise<T> {
  if (!tracing) return fn();
  const t0 = performance.now();
  let p: Promise<T>;
  try {
    p = fn();
  } catch (err) {
    emit(name, t0, false, attrs);
    throw err;
  }
  p.then(() => emit(name, t0, true, attrs), () => emit(name, t0, false, attrs));
  return p;
}

/** The synchronous form of span(). */
export function spanSync<T>(name: string, attrs: Readonly<Record<string, unknown>> | undefined, fn: () => T): T {
  if (!tracing) return fn();
  const t0 = performance.now();
  let ok = false;
  try {
    const v = fn();
    ok = true;
    return v;
  } finally {
    emit(name, t0, ok, attrs);
  }
}

/** Records a span that began at `startEpochMs` (wall clock, from a file's mtime, say) and ends now. */
export function spanSince(name: string, startEpochMs: number, attrs?: Readonly<Record<string, unknown>>): void {
  if (!tracing || !Number.isFinite(startEpochMs)) return;
  emit(name, startEpochMs - performance.timeOrigin, true, attrs);
}

const noop = (): void => undefined;

/** Starts a span that the returned function ends (for spans that do not wrap one call). */
export function spanStart(name: string, attrs?: Readonly<Record<string, unknown>>): (ok?: boolean) => void {
  if (!tracing) return noop;
  const t0 = performance.now();
  return (ok = true) => emit(name, t0, ok, attrs);
}
