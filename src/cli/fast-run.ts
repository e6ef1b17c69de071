// cli: runs a `run` command line fast-argv.ts took (--rm, -d, --name, --network and
// the image's command) without commander: the same global options
// (global-options.ts), the same command body (commands/run.ts) with the options
// commander would hand it, the same failure text and exit code (failure.ts) as
// main.ts. A global option that fails hands the whole command line to main.ts.
import { exitWhenFlushed } from '../cli-kit/index.ts';
import { runCommand } from './commands/run.ts';
import type { FastRunCommand } from './fast-argv.ts';
import { reportFailure } from './failure.ts';
import { applyGlobalOptions } from './global-options.ts';

export async function runFast(command: FastRunCommand, argv: readonly string[]): Promise<void> {
  try {
    applyGlobalOptions(command.globals);
  } catch {
    (await import('./main.ts')).run(argv);
    return;
  }
  let code = 0;
  try {
    await runCommand(command.image, [...command.args], command.options);
  } catch (e) {
    code = reportFailure(e);
  }
  process.exitCode = code;
  // Streams may still hold the process open (stdin); leave once output is flushed.
  exitWhenFlushed(code);
}
