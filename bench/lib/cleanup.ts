// The temp dir of one bench run and the clean-up on its way out, shared by
// every bench: a stack of steps (stop a daemon, remove podman's state, stop
// the registry, remove containers the bench started), run last-added first
// when the bench ends, fails or is interrupted (SIGINT, SIGTERM: then the
// process exits 130 afterwards). A step that throws is noted and the others
// still run. Then whatever is still mounted below the temp dir is unmounted
// (deepest first) and the dir removed, unless `keep` (for digging into a
// failure). The clean-up runs once; a second signal or call waits for it.
//
// The benches time commands with spawnSync, which holds the event loop, so a
// signal's handler runs only when the loop turns: each bench calls `tick()`
// between commands, which lets a pending signal be handled and then throws,
// so that the bench unwinds into its clean-up instead of running on. (Run the
// benches as `node --import tsx`, as their wrappers do: the tsx CLI, when
// signalled, kills its child outright after 60 ms unless the child's event
// loop answers.)
import { mkdtempSync, rmSync } from 'node:fs';
import { unmountUnder } from './proc.ts';

export interface Workspace {
  /** The run's temp dir (`<prefix>XXXXXX`, e.g. /tmp/berth-bench-build-XXXXXX). */
  readonly dir: string;
  /** Adds a clean-up step; steps run last-added first. */
  defer(step: () => Promise<unknown> | unknown): void;
  /** Runs the steps, unmounts what is left below `dir` and removes it (unless `keep`). */
  cleanup(): Promise<void>;
  /** Lets a pending SIGINT/SIGTERM be handled; throws when one came. Call it between commands. */
  tick(): Promise<void>;
}

export interface WorkspaceOptions {
  note: (msg: string) => void;
  /** Keep the temp dir (its mounts are still undone). */
  keep?: boolean;
}

/** Makes the temp dir and installs the signal handlers that clean it up. */
export function workspace(prefix: string, o: WorkspaceOptions): Workspace {
  const dir = mkdtempSync(prefix);
  const steps: (() => Promise<unknown> | unknown)[] = [];
  let done: Promise<void> | undefined;
  let interrupted: NodeJS.Signals | undefined;
  const cleanup = (): Promise<void> => {
    done ??= (async () => {
      for (const step of [...steps].reverse()) {
        try {
          await step();
        } catch (e) {
          o.note(`cleanup: ${(e as Error).message}`);
        }
      }
      unmountUnder(dir, o.note);
      if (o.keep) o.note(`kept ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    })();
    return done;
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      interrupted = sig;
      o.note(`${sig}: cleaning up`);
      void cleanup().then(() => process.exit(130));
    });
  }
  const tick = async () => {
    // Two turns of the loop: the second surely passes its poll phase, where a pending signal is read.
    for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
    if (interrupted) throw new Error(`interrupted (${interrupted})`);
  };
  return { dir, defer: (step) => void steps.push(step), cleanup, tick };
}
