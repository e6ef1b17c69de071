// V8's optimizing compiler (TurboFan) held off while berthd starts. Starting
// runs Node's module loader over berthd's chunks and better-sqlite3: a few
// hundred path resolutions, enough for V8 to find Node's path.normalize loop
// hot and optimize it. That first optimization is what maps TurboFan's
// machine code into the process: 3.8 MB of the node binary's pages (measured,
// fresh berthd: 59.2-59.8 MiB, 55.5-55.6 with --no-opt), kept resident by an
// idle daemon whose startup code never runs again. So berthd starts with
// TurboFan off and turns it back on once it serves: the first work that is
// really hot (a burst of requests) optimizes as before. V8 reads the flag at
// each tiering decision, so turning it on at run time takes effect at once.
import { setFlagsFromString } from 'node:v8';

/** Flags with which someone chose berthd's tiers: berthd then leaves V8's optimizer as they set it. */
const chosen = /(^|\s)--(no[-_]opt|no[-_]turbofan|jitless|lite[-_]mode|opt|turbofan)(\s|=|$)/;

/** Turns TurboFan off until the returned function is called (unless the command line or NODE_OPTIONS chose). */
export function holdOptimizer(): () => void {
  const argv = `${process.execArgv.join(' ')} ${process.env['NODE_OPTIONS'] ?? ''}`;
  if (chosen.test(argv)) return () => undefined;
  setFlagsFromString('--no-opt');
  let released = false;
  return () => {
    if (released) return;
    released = true;
    setFlagsFromString('--opt');
  };
}
