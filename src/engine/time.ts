// Timestamps as docker prints them: RFC 3339 with nanoseconds, and the zero time.
export const zeroTime = '0001-01-01T00:00:00Z';

export function nowNano(): string {
  const ms = Date.now();
  const sub = Number(process.hrtime.bigint() % 1_000_000n);
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, (_m, frac: string) => `.${frac}${String(sub).padStart(6, '0')}Z`);
}
