// cli: runs a command line fast-argv.ts took (`ps`, `images`) without commander: the same
// global options (global-options.ts), the same command body (commands/ps.ts,
// commands/image-list.ts), the same
// failure text and exit code (failure.ts) as main.ts. A global option or filter that
// fails before the request hands the whole command line to main.ts, whose error text
// names the command and its use line.
import { exitWhenFlushed } from '../cli-kit/index.ts';
import { parseFilters } from './commands/filters.ts';
import { imagesCommand } from './commands/image-list.ts';
import { psCommand } from './commands/ps.ts';
import type { FastListCommand } from './fast-argv.ts';
import { reportFailure } from './failure.ts';
import { applyGlobalOptions } from './global-options.ts';

export async function runFast(command: FastListCommand, argv: readonly string[]): Promise<void> {
  try {
    applyGlobalOptions(command.globals);
    parseFilters(command.options.filter ?? []);
  } catch {
    (await import('./main.ts')).run(argv);
    return;
  }
  let code = 0;
  try {
    if (command.command === 'ps') await psCommand(command.options);
    else await imagesCommand(command.repository, command.options);
  } catch (e) {
    code = reportFailure(e);
  }
  process.exitCode = code;
  // Streams may still hold the process open (stdin); leave once output is flushed.
  exitWhenFlushed(code);
}
