// Go's time.ParseDuration ("1m30s", "500ms", "1.5h"), for HEALTHCHECK flags.

const units: Record<string, number> = {
  ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9,
};

/** Nanoseconds, or undefined when the text is not a Go duration. */
export function parseGoDuration(text: string): number | undefined {
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let total = 0;
  const re = /^([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/;
  while (s !== '') {
    const m = re.exec(s);
    if (m === null || m[1] === '' || m[1] === '.') return undefined;
    total += Number.parseFloat(m[1] as string) * (units[m[2] as string] as number);
    s = s.slice(m[0].length);
  }
  return sign * Math.round(total);
}
