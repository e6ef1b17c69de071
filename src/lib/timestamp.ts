// Timestamps as docker's `--since`/`--until` take them, to nanoseconds since the epoch.

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
  const dur = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/.test(v);
  if (dur) {
    const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
    let ms = 0;
    for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * unit[m[2]!]!;
    return BigInt(Math.round(nowMs - ms)) * 1_000_000n;
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) return null;
  const frac = /\.(\d{1,9})/.exec(v)?.[1];
  return BigInt(Math.floor(t / 1000)) * 1_000_000_000n + (frac ? BigInt(frac.padEnd(9, '0')) : 0n);
}
