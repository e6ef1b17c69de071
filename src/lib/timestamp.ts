// Timestamps as docker's `--since`/`--until` take them, to nanoseconds since the epoch.
import { parseGoDuration } from './go-units.ts';

/**
 * docker's since/until: seconds with optional fraction (`1700000000.5`), an
 * RFC 3339 date, or a duration back from `now` (`10m`, `1h30m`). Returns ns; undefined for
 * empty or `0`, null when unreadable.
 */
export function parseTimestamp(value: string, nowMs = Date.now()): bigint | undefined | null {
  const v = value.trim();
  if (v === '' || v === '0') return undefined;
  const secs = /^(\d+)(?:\.(\d{1,9}))?$/.exec(v);
  if (secs) return BigInt(secs[1]!) * 1_000_000_000n + BigInt((secs[2] ?? '').padEnd(9, '0'));
  const ms = relativeMs(v);
  if (ms !== undefined) return BigInt(Math.round(nowMs - ms)) * 1_000_000n;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return null;
  const frac = /\.(\d{1,9})/.exec(v)?.[1];
  return BigInt(Math.floor(t / 1000)) * 1_000_000_000n + (frac ? BigInt(frac.padEnd(9, '0')) : 0n);
}

/** A Go duration (`10m`, `1h30m`, as time.ParseDuration reads it) in milliseconds; undefined when `v` is not one. */
export function relativeMs(v: string): number | undefined {
  try {
    return parseGoDuration(v) / 1e6;
  } catch {
    return undefined;
  }
}
