// Gives memory back once berthd goes quiet. A burst of API work (a few
// hundred `run --rm`, a barrage of requests) leaves the process holding what
// the burst needed: V8's heap pages and glibc's malloc arenas (Node's Buffers
// and libuv's thread pool allocate there) are kept for reuse, not returned, so
// an idle daemon stays at its high-water mark. `idleTrim` runs a trim once no
// request has begun or ended for `quietMs` — and, under a steady trickle of
// requests that never leaves it quiet that long, at most `maxDelayMs` after
// the first request it has not yet trimmed after. The trim itself (V8's
// memory-reducing collection, then malloc_trim) is the caller's: see
// `lowMemoryNotification` and `mallocTrim` in native.ts, and `fullGc` here
// for a Node whose V8 the addon cannot reach.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface IdleTrim {
  /** Work happened (a request began or ended): trim once things are quiet again. */
  touch(): void;
  /** Trims now (start-up's garbage, before the API opens). */
  trimNow(): void;
  /** Cancels a pending trim; later touches are ignored. */
  close(): void;
}

export interface IdleTrimOptions {
  /** How long nothing must happen before the trim runs. */
  readonly quietMs: number;
  /** The longest a trim waits after the first touch it covers, quiet or not. */
  readonly maxDelayMs: number;
  /**
   * With `rss`: a touch that finds the resident size grown by this much since the last trim has the
   * trim run at once (at most once per quietMs), so that a long burst of work does not pile up its
   * garbage until it is over. The size is read at most every `growthCheckMs` (reading it is a system call).
   */
  readonly growthBytes?: number;
  readonly growthCheckMs?: number;
  readonly rss?: () => number;
  readonly trim: () => void;
  /** The clock (tests). */
  readonly now?: () => number;
}

export function idleTrim(options: IdleTrimOptions): IdleTrim {
  const { quietMs, maxDelayMs, trim, growthBytes, rss } = options;
  const growthCheckMs = options.growthCheckMs ?? 250;
  const now = options.now ?? Date.now;
  let timer: NodeJS.Timeout | undefined;
  let first = 0;
  let last = 0;
  let closed = false;
  // The resident size after the last trim, when it was, when the size was last read, and whether it has grown past the bound.
  let base = rss ? rss() : 0;
  let trimmedAt = -Infinity;
  let checkedAt = -Infinity;
  let grown = false;

  const trimNow = () => {
    trim();
    trimmedAt = now();
    if (rss) base = rss();
  };
  const fire = () => {
    timer = undefined;
    const t = now();
    const wait = grown ? 0 : Math.min(last + quietMs, first + maxDelayMs) - t;
    if (wait > 0) return arm(wait);
    grown = false;
    trimNow();
  };
  const arm = (ms: number) => {
    // The timer never keeps berthd alive by itself.
    timer = setTimeout(fire, ms).unref();
  };
  const outgrown = (t: number) => {
    if (growthBytes === undefined || !rss || grown || t - checkedAt < growthCheckMs || t - trimmedAt < quietMs) return false;
    checkedAt = t;
    return rss() - base > growthBytes;
  };

  return {
    touch() {
      if (closed) return;
      last = now();
      if (outgrown(last)) {
        // Not in the caller's turn (a request being served): on the next turn of the event loop.
        grown = true;
        clearTimeout(timer);
        first = last;
        arm(0);
        return;
      }
      if (timer === undefined) {
        first = last;
        arm(quietMs);
      }
    },
    trimNow() {
      if (closed) return;
      trimNow();
    },
    close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

let collector: (() => void) | undefined;

/**
 * A full, synchronous, compacting garbage collection. Node offers `gc()` only
 * under --expose-gc, a command-line flag that berthd cannot count on (it is
 * started as `node berthd.mjs` by the CLI, by tests, by a service manager): the
 * flag is set at run time and V8's `gc` extension taken from a fresh context,
 * which is where V8 installs it.
 *
 * Compacting: a plain full GC frees dead objects but keeps every old-space page
 * that still holds one live object, and after a burst of work most pages do
 * (measured in berthd with 50 running containers: 12.9 MB of old space
 * committed for 8.8 MB live, RSS 75.6 MB; compacted: 9.4 MB committed, RSS
 * 71.9 MB). V8 moves the survivors together only when its heuristics find a
 * page nearly empty, so the trim asks for compaction for this one collection.
 *
 * The trim uses it only where the addon cannot call V8's LowMemoryNotification
 * (native.ts), which does better: forced compaction copies every live object
 * before the old pages go, so berthd stood 5-10 MB above its size before the
 * trim for the 40-130 ms it took (a sample 2 s after the last request, as
 * bench/rss takes, read 88-91 MiB for a berthd that settled at ~70), and it
 * settled 1-2 MB higher than after V8's memory-reducing collection, which
 * compacts only the pages worth it and never went above its starting size.
 */
export function fullGc(): void {
  if (!collector) {
    setFlagsFromString('--expose-gc');
    // Called without options: Node 20's V8 answers `gc({type: 'major'})` with a scavenge, which frees no old-space page.
    const gc = runInNewContext('gc') as () => void;
    collector = () => gc();
  }
  // V8 reads the flag at each full GC: on for this one, off again for the collections of ordinary work.
  setFlagsFromString('--compact-on-every-full-gc');
  try {
    collector();
  } finally {
    setFlagsFromString('--no-compact-on-every-full-gc');
  }
}
