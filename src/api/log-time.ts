// Log timestamps as dockerd prints them (RFC3339NanoFixed in UTC:
// `2024-01-01T00:00:00.123456789Z`), from conmon's `…+00:00` or any offset.

export function rfc3339NanoFixed(time: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) return time;
  const frac = (m[2] ?? '').padEnd(9, '0').slice(0, 9);
  let base = m[1]!;
  if (m[3] !== 'Z' && m[3] !== '+00:00' && m[3] !== '-00:00') {
    base = new Date(`${base}${m[3]}`).toISOString().slice(0, 19);
  }
  return `${base}.${frac}Z`;
}
