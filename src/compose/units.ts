// compose: the units of compose files — durations ("1m30s", "500ms") and byte
// sizes ("256m", "1gb", 1024) — converted to what the Engine API takes.
import { invalidArgument } from '../core/errors.ts';

const durationUnits: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** A Go-style duration → nanoseconds. A bare number is seconds. */
export function parseDurationNs(v: unknown): number {
  if (typeof v === 'number') return Math.round(v * 1e9);
  const s = String(v).trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1e9);
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * (durationUnits[m[2] as string] ?? 0);
    pos = re.lastIndex;
  }
  if (pos !== s.length || s === '') throw invalidArgument(`invalid duration "${s}"`);
  return Math.round(total);
}

const byteUnits: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** "256m", "1g", "512kb", 1048576 → bytes (binary multiples, as docker reads them). */
export function parseBytes(v: unknown): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt])?b?$/i.exec(String(v).trim());
  if (!m) throw invalidArgument(`invalid size: '${String(v)}'`);
  return Math.round(Number(m[1]) * (byteUnits[(m[2] ?? 'b').toLowerCase()] ?? 1));
}
