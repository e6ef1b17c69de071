// compose: runs the compose command line and turns its failures into exit codes
// and messages as Compose prints them (daemon errors keep docker's prefix).
import { CommanderError } from 'commander';
import { describeError, ExitError } from '../cli-kit/index.ts';
import { composeProgram, type ComposeHooks } from './program.ts';

/** Runs the compose command line; resolves to the exit code. */
export async function composeMain(argv: readonly string[], name: string, hooks: ComposeHooks): Promise<number> {
  const program = composeProgram(name, hooks);
  if (argv.length === 0) { program.outputHelp(); return 0; }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return 0;
      return 1;
    }
    if (e instanceof ExitError) {
      if (e.message) process.stderr.write(e.message.endsWith('\n') ? e.message : `${e.message}\n`);
      return e.exitCode;
    }
    // Errors the daemon answered with keep docker's prefix; compose's own (loading, validation) do not.
    const fromDaemon = typeof (e as { status?: unknown } | null)?.status === 'number';
    process.stderr.write(`${fromDaemon || !(e instanceof Error) ? describeError(e) : e.message}\n`);
    return 1;
  }
}
