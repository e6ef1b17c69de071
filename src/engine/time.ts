// Timestamps as docker prints them: RFC 3339 with nanoseconds, and the zero time.
import { formatRfc3339NanoFixed } from '../lib/go-units.ts';

export const zeroTime = '0001-01-01T00:00:00Z';

export function nowNano(): string {
  // Milliseconds from the clock, the finer digits from the monotonic timer (they only keep times of one millisecond apart).
  const sub = process.hrtime.bigint() % 1_000_000n;
  return formatRfc3339NanoFixed(BigInt(Date.now()) * 1_000_000n + sub);
}
