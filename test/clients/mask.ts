// Masking for the differential client tier: what legitimately differs between
// two engines running the same scenario — ids, digests, times, sizes,
// durations, generated names, container IPs and MACs — is replaced by a
// placeholder, and nothing broader, so that everything else must match.
// shape() reduces a JSON value to its keys and value types, for answers whose
// values differ on purpose (counts, versions, kernel facts).

/** Adjectives of moby's namesgenerator (docker 20.10 and later): a generated name is `<adjective>_<surname>[digit]`. */
const adjectives = [
  'admiring', 'adoring', 'affectionate', 'agitated', 'amazing', 'angry', 'awesome', 'beautiful', 'blissful', 'bold',
  'boring', 'brave', 'busy', 'charming', 'clever', 'cocky', 'compassionate', 'competent', 'condescending', 'confident',
  'cool', 'cranky', 'crazy', 'dazzling', 'determined', 'distracted', 'dreamy', 'eager', 'ecstatic', 'elastic',
  'elated', 'elegant', 'eloquent', 'epic', 'exciting', 'fervent', 'festive', 'flamboyant', 'focused', 'friendly',
  'frosty', 'funny', 'gallant', 'gifted', 'goofy', 'gracious', 'great', 'happy', 'hardcore', 'heuristic',
  'hopeful', 'hungry', 'infallible', 'inspiring', 'intelligent', 'interesting', 'jolly', 'jovial', 'keen', 'kind',
  'laughing', 'loving', 'lucid', 'magical', 'modest', 'musing', 'mystifying', 'naughty', 'nervous', 'nice',
  'nifty', 'nostalgic', 'objective', 'optimistic', 'peaceful', 'pedantic', 'pensive', 'practical', 'priceless', 'quirky',
  'quizzical', 'recursing', 'relaxed', 'reverent', 'romantic', 'sad', 'serene', 'sharp', 'silly', 'sleepy',
  'stoic', 'strange', 'stupefied', 'suspicious', 'sweet', 'tender', 'thirsty', 'trusting', 'unruffled', 'upbeat',
  'vibrant', 'vigilant', 'vigorous', 'wizardly', 'wonderful', 'xenodochial', 'youthful', 'zealous', 'zen',
];

const unit = '(?:second|minute|hour|day|week|month|year)s?';

/** Rules in order: a digest before the bare hex inside it, a time before the numbers inside it. */
const rules: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bsha(?:256|384|512):[0-9a-f]{32,128}\b/g, '<digest>'],
  [/\b[0-9a-f]{64}\b/g, '<id>'],
  [/\b[0-9a-f]{12}\b/g, '<id12>'],
  // RFC 3339 times (the zero time stays: it says "never", which must match).
  [/\b(?!0001-01-01T00:00:00Z)\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z| ?[+-]\d{2}:?\d{2})?(?: [A-Z]{3,4})?/g, '<time>'],
  // The docker CLI's human times and durations.
  [new RegExp(`\\b(?:Less than a second|About an? (?:minute|hour)|an? ${unit}|\\d+ ${unit})(?: ago)?`, 'g'), '<duration>'],
  [/\b\d+(?:\.\d+)?(?:ns|µs|us|ms)\b|\b(?:\d+h)?(?:\d+m)?\d+\.\d+s\b/g, '<duration>'],
  // Human sizes as the docker CLI and Compose print them.
  [/\b\d+(?:\.\d+)?\s?(?:B|kB|KB|MB|GB|KiB|MiB|GiB)\b/g, '<size>'],
  [new RegExp(`\\b(?:${adjectives.join('|')})_[a-z]+\\d?\\b`, 'g'), '<name>'],
  [/\b(?:[0-9a-f]{2}:){5}[0-9a-f]{2}\b/gi, '<mac>'],
  // Container and bridge addresses (the engines number their subnets
  // differently); loopback and the unspecified address mean something.
  [/\b(?!127\.)(?!0\.0\.0\.0\b)(?:\d{1,3}\.){3}\d{1,3}(?:\/\d{1,2})?\b/g, '<ip>'],
  [/\bfe80::[0-9a-f:]+(?:\/\d+)?/gi, '<ip>'],
];

/** JSON keys whose numeric values are times, sizes or process ids. */
const timeKeys = new Set(['Created', 'CreatedAt', 'StartedAt', 'FinishedAt', 'time', 'timeNano', 'LastTagTime', 'Start', 'End', 'Timestamp', 'read', 'preread', 'SystemTime']);
const sizeKeys = /(?:^|[a-z])Size(?:Rw|RootFs)?$|^Size$|^VirtualSize$|^SharedSize$|^MemTotal$/;
const pidKeys = new Set(['Pid', 'PID']);

function maskString(s: string): string {
  let out = s;
  for (const [re, to] of rules) out = out.replace(re, to);
  return out;
}

/** Masks ids, digests, times, sizes, durations, generated names, IPs and MACs in a string or a JSON value. */
export function mask<T>(value: T): T {
  return maskValue(value, undefined) as T;
}

function maskValue(value: unknown, key: string | undefined): unknown {
  if (typeof value === 'string') return maskString(value);
  if (typeof value === 'number' && key !== undefined) {
    if (timeKeys.has(key)) return '<time>';
    if (sizeKeys.test(key)) return '<size>';
    if (pidKeys.has(key)) return '<pid>';
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => maskValue(v, undefined));
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[maskString(k)] = maskValue(v, k);
    return out;
  }
  return value;
}

export type Shape = string | Shape[] | { [key: string]: Shape };

/**
 * The keys and value types of a JSON value: `{ Id: 'string', Ports: ['…'] }`.
 * An array's shape lists the distinct shapes of its elements, sorted.
 */
export function shape(value: unknown): Shape {
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    const seen = new Map<string, Shape>();
    for (const v of value) {
      const s = shape(v);
      seen.set(JSON.stringify(s), s);
    }
    return [...seen.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, s]) => s);
  }
  if (typeof value === 'object') {
    const out: Record<string, Shape> = {};
    for (const k of Object.keys(value as object).sort()) out[k] = shape((value as Record<string, unknown>)[k]);
    return out;
  }
  return typeof value;
}

/** Where two JSON values differ: one line per differing path, at most `limit`. */
export function differences(a: unknown, b: unknown, names: readonly [string, string], path = '', limit = 20): string[] {
  const out: string[] = [];
  let more = 0;
  const walk = (x: unknown, y: unknown, p: string) => {
    const bothObjects = x !== null && y !== null && typeof x === 'object' && typeof y === 'object' && Array.isArray(x) === Array.isArray(y);
    if (bothObjects) {
      const keys = [...new Set([...Object.keys(x as object), ...Object.keys(y as object)])];
      for (const k of keys) {
        const sub = Array.isArray(x) ? `${p}[${k}]` : p === '' ? JSON.stringify(k) : `${p}.${k}`;
        walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], sub);
      }
      return;
    }
    if (JSON.stringify(x) !== JSON.stringify(y)) {
      if (out.length >= limit) more++;
      else out.push(`${p || '(the result)'}: ${names[0]} gave ${render(x)}, ${names[1]} gave ${render(y)}`);
    }
  };
  walk(a, b, path);
  if (more > 0) out.push(`(and ${more} more)`);
  return out;
}

function render(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 400 ? `${s.slice(0, 400)}…` : s;
}
