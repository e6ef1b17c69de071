// cli: a command's failure written as docker writes it, and its exit code — main.ts
// (commander's path) and fast-list.ts share it.
import { ExitError, describeError, err } from '../cli-kit/index.ts';

/**
 * Writes the failure `e` on stderr and returns the exit code. `flagText` adds the
 * use line of the command that refused a flag value (pflag's refusal in docker).
 */
export function reportFailure(e: unknown, flagText?: (text: string) => string): number {
  if (e instanceof ExitError) {
    let text = e.message;
    if (flagText && e.exitCode === 125 && text.startsWith('invalid argument "') && !text.includes('\n\nUsage:')) text = flagText(text);
    if (text) err(text.endsWith('\n') ? text : `${text}\n`);
    return e.exitCode;
  }
  err(`${describeError(e)}\n`);
  return 1;
}
