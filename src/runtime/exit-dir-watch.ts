// One watcher per exits directory, shared by every container waiting for its
// exit file there: conmon writes exits/<id> when the container's process ends.
// A watcher per waiting container used to mean, with 50 containers running, 50
// inotify watches on the same directory (each event handed to all 50) and 50
// half-second polls reading and stat'ing a file that is not there yet: 200
// file operations a second, 2-4% of a core and a few MB of garbage that an idle
// berthd kept making. Now one watch hands each event to the waiters of the file
// it names, and one poll (the fallback for events inotify did not deliver)
// lists the directory and wakes only the waiters whose file is there.
import { watch, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { log } from '../lib/index.ts';

/** How often the fallback poll lists the directory. */
const pollMs = 500;

interface DirWatch {
  readonly waiters: Map<string, Set<() => void>>;
  readonly watcher: FSWatcher | undefined;
  readonly poll: NodeJS.Timeout;
  listing: boolean;
}

const dirs = new Map<string, DirWatch>();

function wake(d: DirWatch, name: string): void {
  for (const f of d.waiters.get(name) ?? []) f();
}

function open(dir: string): DirWatch {
  let watcher: FSWatcher | undefined;
  const waiters = new Map<string, Set<() => void>>();
  try {
    watcher = watch(dir, (_event, name) => {
      const d = dirs.get(dir);
      if (!d) return;
      if (name === null) for (const id of [...d.waiters.keys()]) wake(d, id);
      else wake(d, name);
    });
    watcher.on('error', () => undefined);
  } catch (err) {
    log.debug('watching the exits dir failed; polling only', { dir, err });
  }
  const d: DirWatch = {
    waiters,
    watcher,
    listing: false,
    poll: setInterval(() => {
      if (d.listing) return;
      d.listing = true;
      readdir(dir)
        .then((names) => {
          for (const name of names) if (d.waiters.has(name)) wake(d, name);
        })
        .catch((err: unknown) => log.debug('listing the exits dir failed', { dir, err }))
        .finally(() => (d.listing = false));
    }, pollMs),
  };
  return d;
}

/**
 * Calls `check` whenever exits/<id> in `dir` may have changed (an event names
 * it, or the poll finds it there) until the returned function is called. The
 * directory must exist.
 */
export function onExitFile(dir: string, id: string, check: () => void): () => void {
  let d = dirs.get(dir);
  if (!d) {
    d = open(dir);
    dirs.set(dir, d);
  }
  let set = d.waiters.get(id);
  if (!set) {
    set = new Set();
    d.waiters.set(id, set);
  }
  set.add(check);
  const watching = d;
  return () => {
    const s = watching.waiters.get(id);
    if (!s?.delete(check)) return;
    if (s.size === 0) watching.waiters.delete(id);
    if (watching.waiters.size > 0 || dirs.get(dir) !== watching) return;
    dirs.delete(dir);
    clearInterval(watching.poll);
    watching.watcher?.close();
  };
}

/** How many directories are watched now (tests). */
export function watchedExitDirs(): number {
  return dirs.size;
}
