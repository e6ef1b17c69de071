// cli/help: docker v28's help texts for berth's commands (cobra's usage
// template and pflag's flag layout), loaded only when a help text is printed.
import { isatty, WriteStream } from 'node:tty';
import type { Command } from 'commander';
import { helpView, unsupportedReason } from './command-view.ts';
import { renderUsage } from './usage-template.ts';
import type { ServerFacts } from './server-facts.ts';

export { flagUsagesWrapped, type FlagUsage } from './flag-usages.ts';
export { renderUsage, type HelpView, type CommandEntry } from './usage-template.ts';
export { helpView } from './command-view.ts';
export { serverFacts, versionLessThan, type ServerFacts } from './server-facts.ts';

/** The root command's "additionalHelp" annotation in docker/cli's cli/cobra.go. */
const additionalHelp = 'For more help on how to use Docker, head to https://docs.docker.com/go/guides/';

/** Columns of the terminal on stdin (docker asks fd 0), or undefined when stdin is no terminal. */
function stdinColumns(): number | undefined {
  if (!isatty(0)) return undefined;
  try {
    const handle = (process.stdin as unknown as { _handle?: { getWindowSize?(out: number[]): number } })._handle;
    const size: number[] = [];
    if (handle?.getWindowSize && handle.getWindowSize(size) === 0 && size[0]) return size[0];
    // Bun's stdin has no TTY handle: a WriteStream on fd 0 asks the same terminal.
    return new WriteStream(0).columns || undefined;
  } catch {
    return undefined;
  }
}

export interface HelpOptions {
  readonly programName: string;
  /** What the daemon can serve (serverFacts). */
  readonly server: ServerFacts;
  /** Terminal width; docker's default is that of the terminal on stdin, else 80. */
  readonly width?: number;
}

/** The help text docker prints for `cmd` (`docker <cmd> --help`). */
export function formatHelp(cmd: Command, options: HelpOptions): string {
  const unsupported = unsupportedReason(cmd, { programName: options.programName, server: options.server });
  if (unsupported) return `${unsupported}\n`;
  const width = options.width ?? stdinColumns() ?? 80;
  const view = helpView(cmd, { programName: options.programName, server: options.server, additionalHelp });
  return renderUsage(view, width - 1);
}
