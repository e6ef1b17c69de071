// The V8 flags berthd runs with, for every launcher: bin/berthd's #! line
// (checked against this list by node-flags.test.ts), the CLI's autostart
// (cli-kit/session.ts) and the tests' private daemons.
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
