// cli: the `berth` command line (berth.ts is the program's entry) — parses it with the command
// table of program.ts, prints docker's help texts (src/cli/help/, loaded only
// then) and usage errors in docker's wording, and is the one place that turns
// failures into exit codes.
import { CommanderError, type Command } from 'commander';
import { describeError, err, exitWhenFlushed, out, programName } from '../cli-kit/index.ts';
import { reportFailure } from './failure.ts';
import { actingCommand, failingCommand, takeHelpRequest, type HelpRequest } from './berth-command.ts';
import { argsError, commandHelp, commandPath, flagErrorText, useLine } from './help-meta.ts';
import { buildProgram } from './program.ts';
import { berthVersion } from './version.ts';

export { buildProgram } from './program.ts';

/** Prints docker's help text for the command asked for; `-h` (not --help) gets docker's deprecation notice first. */
async function printHelp(request: HelpRequest, argv: readonly string[]): Promise<number> {
  const { formatHelp, serverFacts } = await import('./help/index.ts');
  let root = request.command;
  while (root.parent) root = root.parent;
  const server = await serverFacts(root.opts<{ host?: string; context?: string }>());
  const text = formatHelp(request.command, { programName, server });
  const shorthand = !request.error && argv.includes('-h') && !argv.includes('--help') && !commandHelp(request.command).ownHelpFlag;
  if (shorthand) {
    const notice = 'Flag shorthand -h has been deprecated, use --help\n';
    // docker's root command warns on stderr; a sub-command's flag set warns on stdout.
    if (request.command.parent === null) err(notice);
    else out(notice);
  }
  (request.error ? err : out)(text);
  return 0;
}

/** `berth help [COMMAND...]`: docker's help command. */
async function helpTopic(program: Command, words: readonly string[]): Promise<number> {
  let cmd = program;
  let i = 0;
  for (; i < words.length; i++) {
    const next = cmd.commands.find((x) => x.name() === words[i] || x.aliases().includes(words[i] as string));
    if (!next) break;
    cmd = next;
  }
  if (i < words.length) {
    err(`unknown help topic: ${words.slice(i).join(' ')}\n`);
    return 1;
  }
  // compose prints its own help, as docker's plugin does
  if (commandHelp(cmd).plugin) return main([cmd.name(), '--help']);
  return printHelp({ command: cmd, error: false }, []);
}

/** docker's text for a usage error commander found, and its exit code. */
function usageError(program: Command, argv: readonly string[], e: CommanderError): { text: string; code: number } {
  const cmd = failingCommand() ?? program;
  const msg = e.message.replace(/^error: /, '');
  let m: RegExpMatchArray | null;
  if (e.code === 'commander.unknownOption' && (m = /^unknown option '([^']+)'/.exec(msg))) {
    const flag = m[1] as string;
    const text = flag.startsWith('--') ? `unknown flag: ${flag.split('=')[0]}` : `unknown shorthand flag: '${flag.slice(1, 2)}' in ${flag}`;
    return { text: flagErrorText(cmd, text, programName), code: 125 };
  }
  if (e.code === 'commander.optionMissingArgument') {
    const last = argv[argv.length - 1] ?? '';
    const flag = /^-[^-]/.test(last) ? `'${last.slice(-1)}' in ${last}` : last.split('=')[0] as string;
    return { text: flagErrorText(cmd, `flag needs an argument: ${flag}`, programName), code: 125 };
  }
  if (e.code === 'commander.missingArgument' || e.code === 'commander.excessArguments') {
    const text = argsError(cmd, cmd.args.length, programName);
    if (text) return { text, code: 1 };
  }
  if (e.code === 'commander.unknownCommand') {
    const word = /'([^']+)'/.exec(msg)?.[1] ?? '';
    const path = commandPath(cmd, programName);
    if (cmd === program) return { text: `${programName}: unknown command: ${programName} ${word}\n\nRun '${programName} --help' for more information`, code: 1 };
    return { text: `${programName}: unknown command: ${path} ${word}\n\nUsage:  ${useLine(cmd, programName)}\n\nRun '${path} --help' for more information`, code: 1 };
  }
  return { text: msg, code: 125 };
}

export async function main(argv: readonly string[]): Promise<number> {
  // `berth compose …`: the compose client, loaded only when asked for (yaml, ajv).
  if (argv.includes('compose')) {
    const entry = await import('./compose-entry.ts');
    const composeArgs = entry.composeArgv(argv);
    if (composeArgs) return entry.runCompose(composeArgs, main);
  }
  // The version needs no command tree: answered before commander's program is built.
  if (argv[0] === '-v' || argv[0] === '--version') {
    out(`Berth version ${berthVersion}\n`);
    return 0;
  }
  const program = buildProgram(argv);
  // docker prints its help on stderr when no command is given.
  if (argv.length === 0) return printHelp({ command: program, error: true }, argv);
  if (argv[0] === 'help') return helpTopic(program, argv.slice(1));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      const help = takeHelpRequest();
      if (help) return printHelp(help, argv);
      if (e.code === 'commander.version') return 0;
      if (e.code === 'commander.executeSubCommandAsync') return 0;
      const u = usageError(program, argv, e);
      err(`${u.text}\n`);
      return u.code;
    }
    // A flag value refused once commander had parsed it is pflag's refusal in docker: with the use line.
    const acting = actingCommand();
    return reportFailure(e, acting ? (text) => flagErrorText(acting, text, programName) : undefined);
  }
}

/** Runs the command line and exits with its code (the program's entry, berth.ts, or this file run from source). */
export function run(argv: readonly string[]): void {
  main(argv).then((code) => {
    process.exitCode = code;
    // Streams may still hold the process open (stdin); leave once output is flushed.
    exitWhenFlushed(code);
  }, (e: unknown) => {
    err(`${describeError(e)}\n`);
    exitWhenFlushed(1);
  });
}

if (process.argv[1] !== undefined && /main\.ts$/.test(process.argv[1])) run(process.argv.slice(2));
