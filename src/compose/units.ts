// compose: the units of compose files — durations ("1m30s", "500ms") and byte
// sizes ("256m", "1gb", 1024) — converted to what the Engine API takes.
import { invalidArgument } from '../core/errors.ts';
import { parseGoDuration, ramInBytes } from '../lib/go-units.ts';

/** A Go-style duration → nanoseconds. A bare number is seconds. */
export function parseDurationNs(v: unknown): number {
  if (typeof v === 'number') return Math.round(v * 1e9);
  const s = String(v).trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1e9);
  try {
    return parseGoDuration(s);
  } catch (err) {
    throw invalidArgument(`invalid duration "${s}"`, err);
  }
}

/** "256m", "1g", "512kb", 1048576 → bytes (go-units RAMInBytes: binary multiples, as docker reads them). */
export function parseBytes(v: unknown): number {
  if (typeof v === 'number') return v;
  try {
    return ramInBytes(String(v).trim());
  } catch (err) {
    throw invalidArgument(`invalid size: '${String(v)}'`, err);
  }
}
