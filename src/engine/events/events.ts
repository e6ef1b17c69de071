// The engine's event bus: services publish docker's events (container start,
// image tag, network connect…), `GET /events` subscribes. Recent events stay in
// a bounded in-memory ring so that `since` can replay them; nothing is
// persisted, so the history starts at berthd's start (as dockerd's does).
import { invalidArgument } from '../../core/errors.ts';
import type { Filters } from '../types.ts';
import { parseTimestamp } from '../../lib/timestamp.ts';

export type EventType = 'container' | 'image' | 'network' | 'volume' | 'daemon' | 'plugin' | 'builder';

export interface EngineEvent {
  readonly type: EventType;
  /** docker's Action: `start`, `die`, `health_status: healthy`, … */
  readonly action: string;
  /** The object's id (container id, image id or reference, network id, volume name). */
  readonly id: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** Nanoseconds since the epoch. */
  readonly timeNano: bigint;
}

/** What services need to publish: the narrow half of the bus. */
export interface EventPublisher {
  publish(event: { type: EventType; action: string; id: string; attributes?: Readonly<Record<string, string>> }): void;
}

export interface EventSubscription extends AsyncIterable<EngineEvent> {
  close(): void;
}

const filterKeys = new Set(['container', 'event', 'image', 'label', 'network', 'type', 'volume', 'daemon', 'plugin', 'scope', 'config', 'secret', 'service', 'node']);

/** Checks the keys of an events `filters` query; InvalidArgument text is docker's. */
export function unknownEventFilter(filters: Filters): string | undefined {
  return Object.keys(filters).find((k) => !filterKeys.has(k));
}

function actionMatches(action: string, wanted: string): boolean {
  // docker: `health_status` matches `health_status: healthy` too; `exec_start` matches `exec_start: sh`.
  return action === wanted || action.startsWith(`${wanted}:`);
}

function labelMatches(attrs: Readonly<Record<string, string>>, want: string): boolean {
  const i = want.indexOf('=');
  if (i < 0) return Object.hasOwn(attrs, want);
  return attrs[want.slice(0, i)] === want.slice(i + 1);
}

function idOrNameMatches(e: EngineEvent, wanted: string): boolean {
  return e.id === wanted || e.id.startsWith(wanted) || e.attributes['name'] === wanted;
}

/** A reference without its tag or digest (`busybox:1` → `busybox`); ids stay as they are. */
function stripTag(ref: string): string {
  if (ref.startsWith('sha256:')) return ref;
  return ref.replace(/@sha256:[0-9a-f]+$/, '').replace(/:[^/:@]+$/, '');
}

/** docker's image filter: the id, or the image name (the `name` of image events, else `image`), with or without its tag. */
function imageMatches(e: EngineEvent, wanted: string): boolean {
  const name = e.attributes[e.type === 'image' ? 'name' : 'image'];
  return e.id === wanted || (name !== undefined && (name === wanted || stripTag(name) === wanted));
}

/** docker's events filter: keys AND-ed, the values of one key OR-ed. */
export function eventMatches(e: EngineEvent, filters: Filters): boolean {
  const any = (key: string, test: (v: string) => boolean): boolean => {
    const values = filters[key];
    return values === undefined || values.length === 0 || values.some(test);
  };
  return (
    any('type', (v) => e.type === v) &&
    any('event', (v) => actionMatches(e.action, v)) &&
    any('container', (v) => e.type === 'container' && idOrNameMatches(e, v)) &&
    any('image', (v) => imageMatches(e, v)) &&
    any('network', (v) => e.type === 'network' && (idOrNameMatches(e, v))) &&
    any('volume', (v) => e.type === 'volume' && e.id === v) &&
    any('label', (v) => labelMatches(e.attributes, v)) &&
    any('scope', (v) => v === 'local')
  );
}

function nowNanos(): bigint {
  // Date.now() is ms; hrtime supplies the sub-ms digits so that events stay ordered.
  return BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
}

export class EventBus implements EventPublisher {
  readonly #ring: EngineEvent[] = [];
  readonly #capacity: number;
  readonly #subscribers = new Set<(e: EngineEvent) => void>();
  #last = 0n;

  constructor(options: { capacity?: number } = {}) {
    this.#capacity = options.capacity ?? 1000;
  }

  publish(event: { type: EventType; action: string; id: string; attributes?: Readonly<Record<string, string>> }): void {
    let t = nowNanos();
    if (t <= this.#last) t = this.#last + 1n;
    this.#last = t;
    const e: EngineEvent = { type: event.type, action: event.action, id: event.id, attributes: event.attributes ?? {}, timeNano: t };
    this.#ring.push(e);
    if (this.#ring.length > this.#capacity) this.#ring.splice(0, this.#ring.length - this.#capacity);
    for (const fn of this.#subscribers) fn(e);
  }

  /**
   * Past events from `since` (ns, inclusive) and then live ones, until `until`
   * (ns) passes, `signal` aborts or close() is called. Without `since`, live only.
   */
  subscribe(options: { since?: bigint; until?: bigint; filters?: Filters; signal?: AbortSignal } = {}): EventSubscription {
    const { since, until, filters = {}, signal } = options;
    const queue: EngineEvent[] = [];
    let wake: (() => void) | undefined;
    let done = false;
    const finish = () => {
      done = true;
      this.#subscribers.delete(onEvent);
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      wake?.();
    };
    const onEvent = (e: EngineEvent) => {
      if (until !== undefined && e.timeNano > until) return finish();
      if (!eventMatches(e, filters)) return;
      queue.push(e);
      wake?.();
    };
    if (since !== undefined) for (const e of this.#ring) if (e.timeNano >= since && (until === undefined || e.timeNano <= until) && eventMatches(e, filters)) queue.push(e);
    let timer: NodeJS.Timeout | undefined;
    const now = nowNanos();
    if (until !== undefined && until <= now) done = true;
    else {
      this.#subscribers.add(onEvent);
      if (until !== undefined) timer = setTimeout(finish, Math.min(Number((until - now) / 1_000_000n) + 1, 2 ** 31 - 1));
      if (signal) {
        if (signal.aborted) finish();
        else signal.addEventListener('abort', finish, { once: true });
      }
    }
    return {
      close: finish,
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) {
            const e = queue.shift();
            if (e) {
              yield e;
              continue;
            }
            if (done) return;
            await new Promise<void>((resolve) => (wake = resolve));
            wake = undefined;
          }
        } finally {
          finish();
        }
      },
    };
  }
}

/** docker's since/until in ns (seconds, RFC 3339, or a duration back from now); InvalidArgument otherwise. */
export function parseEventTime(value: string, nowMs = Date.now()): bigint | undefined {
  const t = parseTimestamp(value, nowMs);
  if (t === null) throw invalidArgument(`failed to parse value as time or duration: "${value.trim()}"`);
  return t;
}
