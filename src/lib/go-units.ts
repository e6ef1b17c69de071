// lib: durations, sizes and timestamps written and read exactly as Go programs
// (the docker CLI, dockerd, compose) write and read them — Go's
// time.ParseDuration and Duration.String, docker/go-units' HumanDuration,
// HumanSize, BytesSize, RAMInBytes and FromHumanSize (v0.5), and RFC 3339 with
// nanoseconds as time.Time prints it. The one copy of these rules in berth.

// ---------------------------------------------------------------- durations

const nsPerUnit: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 micro sign
  'μs': 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const maxMagnitude = 1n << 63n; // |math.MinInt64|
const maxInt64 = maxMagnitude - 1n;

const goQuote = (s: string): string => JSON.stringify(s);

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/**
 * Go's time.ParseDuration in nanoseconds as a bigint: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`,
 * units ns, us (µs, μs), ms, s, m, h; `0` alone needs no unit. A fraction adds
 * `trunc(f * unit / scale)` computed in float64 as Go does. Throws Go's messages
 * (`time: invalid duration "x"`, `time: missing unit in duration "5"`,
 * `time: unknown unit "d" in duration "1d"`).
 */
export function parseGoDurationBig(text: string): bigint {
  const invalid = () => new Error(`time: invalid duration ${goQuote(text)}`);
  let s = text;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let d = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) throw invalid();
    // [0-9]*
    let i = 0;
    let v = 0n;
    while (isDigit(s[i])) {
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > maxMagnitude) throw invalid(); // leadingInt overflow
      i++;
    }
    const pre = i > 0;
    s = s.slice(i);
    // (\.[0-9]*)?
    let post = false;
    let f = 0n;
    let scale = 1;
    if (s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      while (isDigit(s[j])) {
        if (!overflow) {
          if (f > maxInt64 / 10n) overflow = true;
          else {
            const y = f * 10n + BigInt(s.charCodeAt(j) - 48);
            if (y > maxMagnitude) overflow = true;
            else {
              f = y;
              scale *= 10;
            }
          }
        }
        j++;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) throw invalid();
    // unit: everything up to the next [0-9.]
    let k = 0;
    while (k < s.length && !(s[k] === '.' || isDigit(s[k]))) k++;
    if (k === 0) throw new Error(`time: missing unit in duration ${goQuote(text)}`);
    const u = s.slice(0, k);
    s = s.slice(k);
    const unit = nsPerUnit[u];
    if (unit === undefined) throw new Error(`time: unknown unit ${goQuote(u)} in duration ${goQuote(text)}`);
    if (v > maxMagnitude / unit) throw invalid();
    v *= unit;
    if (f > 0n) {
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > maxMagnitude) throw invalid();
    }
    d += v;
    if (d > maxMagnitude) throw invalid();
  }
  if (neg) return -d;
  if (d > maxInt64) throw invalid();
  return d;
}

/** Go's time.ParseDuration in nanoseconds (a number: exact up to about 104 days). */
export function parseGoDuration(text: string): number {
  return Number(parseGoDurationBig(text));
}

/** Formats v/10^prec's fraction as `.123` without trailing zeros; returns it and v/10^prec. */
function fraction(v: bigint, prec: number): [string, bigint] {
  let digits = '';
  let print = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    print ||= digit !== 0n;
    if (print) digits = digit.toString() + digits;
    v /= 10n;
  }
  return [print ? `.${digits}` : '', v];
}

/** Go's time.Duration.String: `1h2m3.5s`, `1.5µs`, `0s`, `-2m0s`. */
export function formatGoDuration(ns: number | bigint): string {
  let d = typeof ns === 'bigint' ? ns : BigInt(Math.trunc(ns));
  if (d < -maxMagnitude || d > maxInt64) throw new RangeError(`duration ${d} ns is outside Go's int64 range`);
  const neg = d < 0n;
  if (neg) d = -d;
  let out: string;
  if (d < 1_000_000_000n) {
    if (d === 0n) return '0s';
    let unit: string;
    let prec: number;
    if (d < 1_000n) [unit, prec] = ['ns', 0];
    else if (d < 1_000_000n) [unit, prec] = ['µs', 3];
    else [unit, prec] = ['ms', 6];
    const [frac, whole] = fraction(d, prec);
    out = `${whole}${frac}${unit}`;
  } else {
    const [frac, secs] = fraction(d, 9);
    out = `${secs % 60n}${frac}s`;
    const mins = secs / 60n;
    if (mins > 0n) {
      out = `${mins % 60n}m${out}`;
      const hours = mins / 60n;
      if (hours > 0n) out = `${hours}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/** go-units HumanDuration (`docker ps` STATUS, CREATED): Go truncates toward zero at every step. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(ms / 3_600_000) / 24 / 365)} years`;
}

// -------------------------------------------------------------------- sizes

/** Go's fmt `%.<p>g`: p significant digits, trailing zeros removed, exponent form when exp < -4 or exp >= p. */
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

const decimalAbbrs = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'] as const;
const binaryAbbrs = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'] as const;

function sizeAndUnit(size: number, base: number, units: readonly string[]): [number, string] {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return [size, units[i] as string];
}

/** go-units HumanSizeWithPrecision: decimal units, `precision` significant digits (`4.26MB` at 3). */
export function humanSizeWithPrecision(bytes: number, precision: number): string {
  const [size, unit] = sizeAndUnit(bytes, 1000, decimalAbbrs);
  return `${formatG(size, precision)}${unit}`;
}

/** go-units HumanSize: decimal units, 4 significant digits (`2.746MB`). */
export function humanSize(bytes: number): string {
  return humanSizeWithPrecision(bytes, 4);
}

/** go-units BytesSize: binary units, 4 significant digits (`1.5GiB`). */
export function bytesSize(bytes: number): string {
  const [size, unit] = sizeAndUnit(bytes, 1024, binaryAbbrs);
  return `${formatG(size, 4)}${unit}`;
}

const decimalMultiplier: Readonly<Record<string, number>> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };
const binaryMultiplier: Readonly<Record<string, number>> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** strconv.ParseFloat for the decimal forms a size can take (`1`, `1.5`, `.5`, `1e3`). */
function parseFloatGo(num: string): number {
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(num)) throw new Error(`strconv.ParseFloat: parsing ${goQuote(num)}: invalid syntax`);
  return Number(num);
}

/** go-units parseSize (v0.5): number, optional space, suffix k/m/g/t/p with optional b or ib, case-insensitive. */
function parseSize(text: string, multipliers: Readonly<Record<string, number>>): number {
  let sep = -1;
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text[i] as string;
    if (isDigit(c) || c === '.' || c === ' ') {
      sep = i;
      break;
    }
  }
  if (sep === -1) throw new Error(`invalid size: '${text}'`);
  const num = text[sep] === ' ' ? text.slice(0, sep) : text.slice(0, sep + 1);
  let sfx = text.slice(sep + 1);
  let size = parseFloatGo(num);
  if (size < 0) throw new Error(`invalid size: '${text}'`);
  if (sfx === '') return Math.trunc(size);
  const badSuffix = () => new Error(`invalid suffix: '${sfx}'`);
  if (sfx.length > 3) throw badSuffix();
  sfx = sfx.toLowerCase();
  if (sfx[0] === 'b') {
    if (sfx.length > 1) throw badSuffix();
    return Math.trunc(size);
  }
  const mul = multipliers[sfx[0] as string];
  if (mul === undefined) throw badSuffix();
  size *= mul;
  if ((sfx.length === 2 && sfx[1] !== 'b') || (sfx.length === 3 && sfx.slice(1) !== 'ib')) throw badSuffix();
  return Math.trunc(size);
}

/** go-units RAMInBytes: `512m`, `1.5g`, `1GiB`, `1024` → bytes (binary multiples). Throws `invalid size: '…'` / `invalid suffix: '…'`. */
export function ramInBytes(text: string): number {
  return parseSize(text, binaryMultiplier);
}

/** go-units FromHumanSize: `44kB`, `17MB` → bytes (decimal multiples). */
export function fromHumanSize(text: string): number {
  return parseSize(text, decimalMultiplier);
}

// --------------------------------------------------------------- timestamps

const rfc3339Re = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|z|[+-]\d\d:?\d\d)$/;

/** RFC 3339 with up to nine fraction digits (more are cut) and any offset → nanoseconds since the epoch; undefined when unreadable. */
export function parseRfc3339Nano(text: string): bigint | undefined {
  const m = rfc3339Re.exec(text);
  if (!m) return undefined;
  const zone = (m[3] as string).toUpperCase() === 'Z' ? 'Z' : (m[3] as string).replace(/^([+-]\d\d)(\d\d)$/, '$1:$2');
  const ms = Date.parse(`${m[1]}${zone}`);
  if (Number.isNaN(ms)) return undefined;
  const frac = BigInt((m[2] ?? '').padEnd(9, '0').slice(0, 9));
  return BigInt(ms) * 1_000_000n + frac;
}

function utcParts(ns: bigint): [string, bigint] {
  let secs = ns / 1_000_000_000n;
  let frac = ns % 1_000_000_000n;
  if (frac < 0n) {
    frac += 1_000_000_000n;
    secs -= 1n;
  }
  return [new Date(Number(secs) * 1000).toISOString().slice(0, 19), frac];
}

/** Go's time.RFC3339Nano in UTC (`2006-01-02T15:04:05.999999999Z`: trailing fraction zeros dropped), as time.Time marshals to JSON. */
export function formatRfc3339Nano(ns: bigint): string {
  const [base, frac] = utcParts(ns);
  const digits = frac.toString().padStart(9, '0').replace(/0+$/, '');
  return `${base}${digits ? `.${digits}` : ''}Z`;
}

/** docker's RFC3339NanoFixed in UTC (always nine fraction digits), as in `docker logs -t`. */
export function formatRfc3339NanoFixed(ns: bigint): string {
  const [base, frac] = utcParts(ns);
  return `${base}.${frac.toString().padStart(9, '0')}Z`;
}

/** Any RFC 3339 time (conmon writes `…+00:00`) as RFC3339NanoFixed UTC; unreadable text is returned unchanged. */
export function rfc3339NanoFixed(text: string): string {
  const ns = parseRfc3339Nano(text);
  return ns === undefined ? text : formatRfc3339NanoFixed(ns);
}
