// cli/format: docker's go-units wording for durations and sizes —
// HumanDuration (`About a minute`), HumanSizeWithPrecision (`4.26MB`, decimal)
// and BytesSize (binary, `1.5GiB`).

/** go-units HumanDuration for a duration in milliseconds. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3600000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(ms / 3600000 / 24 / 365)} years`;
}

/** `N seconds ago` for a unix time in seconds, as docker's CREATED columns. */
export function timeAgo(unixSeconds: number, now: number = Date.now()): string {
  return `${humanDuration(now - unixSeconds * 1000)} ago`;
}

/** Go's fmt %.<p>g: p significant digits, trailing zeros removed. */
export function formatG(value: number, precision: number): string {
  if (value === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(value)));
  let s = value.toPrecision(precision);
  // toPrecision may round up to the next power of ten; re-read the exponent.
  const rounded = Number(s);
  const e = rounded === 0 ? exp : Math.floor(Math.log10(Math.abs(rounded)));
  if (e < -4 || e >= precision) {
    const [m, ex] = rounded.toExponential(precision - 1).split('e') as [string, string];
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const en = Number(ex);
    return `${mant}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  }
  if (s.includes('e')) s = rounded.toFixed(Math.max(0, precision - 1 - e));
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

const decimalUnits = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const binaryUnits = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

function sizeAndUnit(size: number, base: number, units: readonly string[]): [number, string] {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return [size, units[i] as string];
}

/** go-units HumanSizeWithPrecision (decimal units). */
export function humanSize(bytes: number, precision = 3): string {
  const [size, unit] = sizeAndUnit(bytes, 1000, decimalUnits);
  return `${formatG(size, precision)}${unit}`;
}

/** go-units BytesSize (binary units, 4 significant digits). */
export function bytesSize(bytes: number): string {
  const [size, unit] = sizeAndUnit(bytes, 1024, binaryUnits);
  return `${formatG(size, 4)}${unit}`;
}

/** go-units RAMInBytes: `512m`, `1g`, `1024` (binary multiples). */
export function parseRamBytes(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtpKMGTP]?)(?:[iI]?[bB])?$/.exec(text.trim());
  if (!m) throw new Error(`invalid size: '${text}'`);
  const mult: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
  return Math.trunc(Number(m[1]) * (mult[(m[2] ?? '').toLowerCase()] ?? 1));
}
