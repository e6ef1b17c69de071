// cli: the `berth` command table — global flags, docker's command names,
// aliases and help facts (`container ls`, `image rm`, …), built only for the
// command named on the command line. Command bodies load lazily.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { out, programName } from '../cli-kit/index.ts';
import { applyGlobalOptions, type GlobalFlags } from './global-options.ts';
import { BerthCommand, setActingCommand, type Sub } from './berth-command.ts';
import { argsError, describeCommand, describeFlags, skippedCommand, type CommandHelp } from './help-meta.ts';
import { addContainerCommands } from './container-commands.ts';
import { addVolumeCommands } from './volume-commands.ts';
import { addNetworkCommands, addPortCommand } from './network-commands.ts';
import { addWatchCommands } from './watch-commands.ts';
import { addFileCommands } from './files-commands.ts';
import { addImageCommands } from './image-commands.ts';
import { inspectFormatHelp, formatHelp } from './format-help.ts';
import { ExitError } from '../cli-kit/index.ts';

const sys = () => import('./commands/system.ts');
const reg = () => import('./commands/registry.ts');

/**
 * Which command words to register: building every command with all its options
 * costs several ms of start-up, so only the one named on the command line is
 * built (all of them for help and for unknown words).
 */
let wanted: ((parent: Command, name: string, aliases: readonly string[]) => boolean) = () => true;

const skipped = skippedCommand;

/** Creates a sub-command with docker's use line, help facts and -h/--help. */
const sub: Sub = (parent, name, usage, description, aliases = [], help: CommandHelp = {}) => {
  if (parent !== skipped && !wanted(parent, name, aliases)) return skipped;
  if (parent === skipped) return skipped;
  const cmd = parent.command(name).usage(usage).description(description).helpOption('-h, --help', 'Print usage').helpCommand(false).allowExcessArguments();
  for (const a of aliases) cmd.alias(a);
  return describeCommand(cmd, { use: usage, ...help });
};

/** The command words on the command line after the global options (at most two). */
function commandWords(argv: readonly string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    const a = argv[i] as string;
    if (a === '-H' || a === '--host' || a === '-l' || a === '--log-level' || a === '-c' || a === '--context' || a === '--config') { i++; continue; }
    if (a.startsWith('-')) { if (words.length > 0) break; continue; }
    words.push(a);
  }
  return words;
}

const groups = ['builder', 'container', 'image', 'system', 'volume', 'network'];

/** docker's default for --config: $DOCKER_CONFIG, else ~/.docker. */
const configDir = () => process.env['DOCKER_CONFIG'] || join(homedir(), '.docker');

function addProgramCommands(program: Command): void {
  addContainerCommands(program, true, sub);
  addImageCommands(program, true, sub);
  // A group that is not built this run gets none of its commands (they would all go nowhere).
  const container = sub(program, 'container', '', 'Manage containers');
  if (container !== skipped) addContainerCommands(container, false, sub);
  const image = sub(program, 'image', '', 'Manage images');
  if (image !== skipped) addImageCommands(image, false, sub);
  const builder = sub(program, 'builder', '', 'Manage builds');
  if (builder !== skipped) addImageCommands(builder, false, sub, { buildOnly: true });
  sub(program, 'login', '[OPTIONS] [SERVER]', 'Authenticate to a registry', [], { long: 'Authenticate to a registry.\nDefaults to Docker Hub if no server is specified.', top: 8 })
    .option('-p, --password <string>', 'Password or Personal Access Token (PAT)')
    .option('--password-stdin', 'Take the Password or Personal Access Token (PAT) from stdin')
    .option('-u, --username <string>', 'Username')
    .argument('[server]')
    .action(async (s: string | undefined, o) => (await reg()).loginCommand(s, o));
  sub(program, 'logout', '[SERVER]', 'Log out from a registry', [], { long: 'Log out from a registry.\nIf no server is specified, the default is defined by the daemon.', top: 9 })
    .argument('[server]')
    .action(async (s: string | undefined) => (await reg()).logoutCommand(s));
  sub(program, 'version', '[OPTIONS]', 'Show the Docker version information', [], { top: 11 })
    .option('-f, --format <string>', inspectFormatHelp)
    .action(async (o) => (await sys()).versionCommand(o));
  addVolumeCommands(program, sub);
  addNetworkCommands(program, sub);
  addPortCommand(program, sub);
  if (container !== skipped) addPortCommand(container, sub);
  addFileCommands(program, sub);
  if (container !== skipped) addFileCommands(container, sub);
  const system = sub(program, 'system', '', 'Manage Docker');
  sub(system, 'df', '[OPTIONS]', 'Show docker disk usage', [], { needs: { version: '1.25' } })
    .option('--format <string>', formatHelp)
    .option('-v, --verbose', 'Show detailed information on space usage')
    .action(async (o) => (await import('./commands/system-df.ts')).systemDfCommand(o));
  for (const [parent, top] of [[program, true], [system, false]] as const) {
    sub(parent, 'info', '[OPTIONS]', 'Display system-wide information', [], { aliases: ['system info', 'info'], ...(top ? { top: 12 } : {}) })
      .option('-f, --format <string>', inspectFormatHelp)
      .action(async (o) => (await sys()).infoCommand(o));
  }
  addWatchCommands({ program, system, container, image, builder }, sub);
  // `berth compose` is parsed by the compose client (main.ts hands it over before
  // this table is used); it is listed as docker lists its compose plugin.
  sub(program, 'compose', '[OPTIONS] COMMAND', 'Docker Compose', [], { plugin: true });
}

/** Builds the command tree; with `argv`, only the commands it names. */
export function buildProgram(argv?: readonly string[]): Command {
  const words = argv ? commandWords(argv) : [];
  wanted = (parent, name, aliases) => {
    if (!argv || words.length === 0) return true;
    const isTop = parent.parent === null;
    const [w0, w1] = words;
    const match = (w: string | undefined) => w === name || (w !== undefined && aliases.includes(w));
    if (isTop) return match(w0);
    if (!groups.includes(w0 ?? '')) return true;
    return w1 === undefined || match(w1) || !/^[a-z]+$/.test(w1);
  };
  const program = new BerthCommand(programName)
    .usage('[OPTIONS] COMMAND')
    .description('A self-sufficient runtime for containers')
    .enablePositionalOptions()
    .helpOption('-h, --help', 'Print usage')
    .helpCommand(false)
    .option('--config <string>', 'Location of client config files')
    .option('-c, --context <string>', 'Name of the context to use to connect to the daemon (overrides DOCKER_HOST env var and default context set with "docker context use")')
    .option('-D, --debug', 'Enable debug mode')
    .option('-H, --host <list>', 'Daemon socket to connect to')
    .option('-l, --log-level <string>', 'Set the logging level ("debug", "info", "warn", "error", "fatal")')
    .option('-v, --version', 'Print version information and quit')
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, outputError: () => undefined });
  describeCommand(program, { use: '[OPTIONS] COMMAND [ARG...]' });
  describeFlags(program, { config: configDir(), 'log-level': 'info' });
  program.hook('preAction', (root, action) => {
    setActingCommand(action);
    const problem = argsError(action, action.args.length, programName);
    if (problem) throw new ExitError(1, problem);
    applyGlobalOptions(root.opts<GlobalFlags>());
  });
  addProgramCommands(program);
  const group = program.commands.find((c) => groups.includes(c.name()));
  if (argv && (program.commands.length === 0 || (group && group.commands.length === 0))) {
    // an unknown word: build everything so that commander reports it as docker would
    return buildProgram();
  }
  const all = [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)];
  for (const cmd of all) {
    cmd.exitOverride().configureOutput({ writeErr: () => undefined, outputError: () => undefined, writeOut: out });
  }
  return program;
}
