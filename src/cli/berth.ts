// cli: the `berth` program's entry (dist/berth compiled by Bun, dist/berth.cjs on
// Node). `--version` is answered here with one write(2), before anything else is
// loaded; `ps`, `images` and plain `run`s (the command lines fast-argv.ts takes) run
// from fast-list.ts and fast-run.ts without commander; every other command line goes
// to main.ts, loaded then.
import { writeSync } from 'node:fs';
import { fastCommand } from './fast-argv.ts';
import { berthVersion } from './version.ts';

// The compiled CLI starts with JavaScriptCore's JIT thresholds scaled up
// (--compile-jit-policy, scripts/build.mjs): a command of a few ms runs in the
// interpreter instead of also compiling what it ran once. One still running
// after 100 ms (attach, logs -f, build, pull) gets the normal policy back.
const bunUnsafe = (globalThis as { Bun?: { unsafe?: { setJITPolicy?: (scale: number) => void } } }).Bun?.unsafe;
if (bunUnsafe?.setJITPolicy) setTimeout(() => bunUnsafe.setJITPolicy?.(1), 100).unref();

const argv = process.argv.slice(2);

/** `-v`/`--version` as main.ts answers it; false when write(2) failed (a full non-blocking pipe...): main.ts then writes it. */
function version(): boolean {
  if (argv[0] !== '-v' && argv[0] !== '--version') return false;
  try {
    // One write of 20 bytes: a pipe takes it whole (PIPE_BUF), as a file or a terminal does.
    writeSync(1, `Berth version ${berthVersion}\n`);
    return true;
  } catch {
    return false;
  }
}

if (!version()) {
  const fast = fastCommand(argv);
  if (fast?.command === 'run') void import('./fast-run.ts').then((m) => m.runFast(fast, argv));
  else if (fast) void import('./fast-list.ts').then((m) => m.runFast(fast, argv));
  else void import('./main.ts').then((m) => m.run(argv));
}
