// The V8 flags and the environment berthd runs with, for every launcher:
// bin/berthd's #! line (checked against these by node-flags.test.ts), the
// CLI's autostart (cli-kit/session.ts) and the tests' private daemons.
//
// --max-semi-space-size=1 keeps V8's young generation at 1 MB a semi-space.
// By default V8 doubles a semi-space whenever a scavenge finds it busy, up to
// 16 MB (32 MB for the pair), and gives the memory back only in a
// memory-reducing collection, which a quiet daemon does not get: after any
// burst of work berthd held those 32 MB for good (measured: 85 MB after a
// warm-up, 117-119 MB after 100 and 200 `run --rm`, still 119 MB 30 s later).
// berthd's garbage is short-lived request data, which a small young
// generation collects cheaply: over 200 `run --rm`, 10 at a time, berthd used
// 8.7-10.3 s of CPU with it against 9.7-10.4 s without (the machine's load
// varies more than that), and peaked at 91-94 MB against 116-121 MB. The flag
// is read only as V8 starts (v8.setFlagsFromString is too late for it), so it
// is on the command line.
export const berthdNodeFlags: readonly string[] = ['--max-semi-space-size=1'];

// MALLOC_ARENA_MAX=2: glibc gives each thread that finds the malloc lock taken
// an arena of its own, up to 8 a core, and every arena keeps the memory freed
// into it between its live blocks, where malloc_trim cannot return it. V8's
// compiler and GC threads, libuv's pool and the unpack workers made 8 thread
// arenas in berthd before its first request, holding 6-7 MB after some work.
// With 2 (measured, 4 interleaved rounds of importing a 217 MB image, 20
// `run --rm`, 100 `ps`, 20 `run -d` + `rm -f`): 67.5 MB resident after them
// against 73.6 MB, for the same CPU time (import 4060 ms against 4450 ms, the
// rest within 20 ms). glibc reads it as the process starts, before any
// JavaScript runs (mallopt from berthd itself came after Node's threads had
// made 6 arenas), so the launcher sets it.
//
// UV_THREADPOOL_SIZE=8: libuv's pool runs every file-system call of berthd,
// and the fsync of a record holds one of its threads for milliseconds; with
// the default 4, a create's dozen small calls (directories, the init layer,
// the etc files) queued behind them while other containers started. With 8,
// 50 `run -d` back to back took 0.95-0.97x the time (bench/run-latency
// --trace --many 50, interleaved against the same build with 4: 77.5 against
// 81.5 ms a run), `rm -f` of the 50 the same; resident memory 0.1 MiB more
// (four threads that sleep). libuv reads it when it first starts the pool.
export const berthdEnv: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2', UV_THREADPOOL_SIZE: '8' };

/** The #! line of bin/berthd: `env -S` sets berthdEnv and runs node with berthdNodeFlags. */
export function berthdShebang(): string {
  const assignments = Object.entries(berthdEnv).map(([k, v]) => `${k}=${v}`);
  return `#!/usr/bin/env -S ${[...assignments, 'node', ...berthdNodeFlags].join(' ')}`;
}
