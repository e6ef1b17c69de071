// cli: the `berth` program — global flags, the command table (docker's names and
// aliases: `container ls`, `image rm`, …), usage errors in docker's wording, and
// the one place that turns failures into exit codes. Command bodies load lazily.
import { Command, CommanderError, Option } from 'commander';
import { ExitError, describeError, programName, setGlobalOptions } from '../cli-kit/index.ts';
import { resolveHost } from '../client/index.ts';
import { addVolumeCommands } from './volume-commands.ts';
import { addNetworkCommands, addPortCommand } from './network-commands.ts';
import { addWatchCommands } from './watch-commands.ts';
import { addFileCommands } from './files-commands.ts';
import { runFlags } from './run-options.ts';
import { addImageCommands } from './image-commands.ts';

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Wraps a lazily imported command body. */
function lazy<A extends unknown[]>(load: () => Promise<(...args: A) => Promise<void>>): (...args: A) => Promise<void> {
  return async (...args: A) => (await load())(...args);
}

const run = {
  run: lazy(async () => (await import('./commands/run.ts')).runCommand),
  create: lazy(async () => (await import('./commands/run.ts')).createCommand),
};
const c = () => import('./commands/containers.ts');
const sys = () => import('./commands/system.ts');
const reg = () => import('./commands/registry.ts');

/**
 * Which command words to register: building every command with all its options
 * costs several ms of start-up, so only the one named on the command line is
 * built (all of them for help and for unknown words).
 */
let wanted: ((parent: Command, name: string, aliases: readonly string[]) => boolean) = () => true;

/** A stand-in for a command that is not built this run; options and actions go nowhere. */
const skipped = new Proxy({} as Command, { get: (_t, _k, receiver: unknown) => () => receiver });

/** Creates a sub-command with docker's usage line and --help only (no -h). */
function sub(parent: Command, name: string, usage: string, description: string, aliases: string[] = []): Command {
  if (parent !== skipped && !wanted(parent, name, aliases)) return skipped;
  if (parent === skipped) return skipped;
  const cmd = parent.command(name).usage(usage).description(description).helpOption('--help', 'Print usage');
  for (const a of aliases) cmd.alias(a);
  return cmd;
}

function addContainerCommands(p: Command, top: boolean): void {
  runFlags(sub(p, 'run', '[OPTIONS] IMAGE [COMMAND] [ARG...]', 'Create and run a new container from an image'), true)
    .action((image: string, command: string[], o) => run.run(image, command, o));
  runFlags(sub(p, 'create', '[OPTIONS] IMAGE [COMMAND] [ARG...]', 'Create a new container'), false)
    .action((image: string, command: string[], o) => run.create(image, command, o));
  sub(p, 'start', '[OPTIONS] CONTAINER [CONTAINER...]', 'Start one or more stopped containers')
    .option('-a, --attach', 'Attach STDOUT/STDERR and forward signals')
    .option('--detach-keys <string>', 'Override the key sequence for detaching a container')
    .option('-i, --interactive', 'Attach container\'s STDIN')
    .option('--checkpoint <string>', 'Restore from this checkpoint')
    .option('--checkpoint-dir <string>', 'Use a custom checkpoint storage directory')
    .argument('<containers...>')
    .action(async (n: string[], o) => (await c()).startCommand(n, o));
  sub(p, 'exec', '[OPTIONS] CONTAINER COMMAND [ARG...]', 'Execute a command in a running container')
    .option('-d, --detach', 'Detached mode: run command in the background')
    .option('--detach-keys <string>', 'Override the key sequence for detaching a container')
    .option('-e, --env <list>', 'Set environment variables', collect)
    .option('--env-file <list>', 'Read in a file of environment variables', collect)
    .option('-i, --interactive', 'Keep STDIN open even if not attached')
    .option('--privileged', 'Give extended privileges to the command')
    .option('-t, --tty', 'Allocate a pseudo-TTY')
    .option('-u, --user <string>', 'Username or UID (format: "<name|uid>[:<group|gid>]")')
    .option('-w, --workdir <string>', 'Working directory inside the container')
    .argument('<container>')
    .argument('[command...]')
    .passThroughOptions()
    .action(async (n: string, cmd: string[], o) => (await import('./commands/exec.ts')).execCommand(n, cmd, o));
  const cc = () => import('./commands/container-control.ts');
  sub(p, 'pause', 'CONTAINER [CONTAINER...]', 'Pause all processes within one or more containers')
    .argument('<containers...>')
    .action(async (n: string[]) => (await cc()).pauseCommand(n));
  sub(p, 'unpause', 'CONTAINER [CONTAINER...]', 'Unpause all processes within one or more containers')
    .argument('<containers...>')
    .action(async (n: string[]) => (await cc()).unpauseCommand(n));
  sub(p, 'update', '[OPTIONS] CONTAINER [CONTAINER...]', 'Update configuration of one or more containers')
    .option('-m, --memory <bytes>', 'Memory limit')
    .option('--memory-swap <bytes>', "Swap limit equal to memory plus swap: -1 to enable unlimited swap")
    .option('--memory-reservation <bytes>', 'Memory soft limit')
    .option('--cpus <decimal>', 'Number of CPUs')
    .option('-c, --cpu-shares <int>', 'CPU shares (relative weight)')
    .option('--cpu-quota <int>', 'Limit CPU CFS (Completely Fair Scheduler) quota')
    .option('--cpu-period <int>', 'Limit CPU CFS (Completely Fair Scheduler) period')
    .option('--cpuset-cpus <string>', 'CPUs in which to allow execution (0-3, 0,1)')
    .option('--pids-limit <int>', 'Tune container pids limit (set -1 for unlimited)')
    .option('--restart <string>', 'Restart policy to apply when a container exits')
    .option('--blkio-weight <uint16>', 'Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)')
    .option('--cpu-rt-period <int>', 'Limit the CPU real-time period in microseconds')
    .option('--cpu-rt-runtime <int>', 'Limit the CPU real-time runtime in microseconds')
    .option('--cpuset-mems <string>', 'MEMs in which to allow execution (0-3, 0,1)')
    .option('--kernel-memory <bytes>', 'Kernel memory limit (deprecated)')
    .argument('<containers...>')
    .action(async (n: string[], o) => (await import('./commands/update.ts')).updateCommand(n, o));
  sub(p, 'rename', 'CONTAINER NEW_NAME', 'Rename a container')
    .argument('<container>')
    .argument('<newName>')
    .action(async (n: string, m: string) => (await cc()).renameCommand(n, m));
  sub(p, 'top', 'CONTAINER [ps OPTIONS]', 'Display the running processes of a container')
    .argument('<container>')
    .argument('[psOptions...]')
    .passThroughOptions()
    .allowUnknownOption()
    .action(async (n: string, a: string[]) => (await cc()).topCommand(n, a));
  sub(p, 'attach', '[OPTIONS] CONTAINER', 'Attach local standard input, output, and error streams to a running container')
    .option('--detach-keys <string>', 'Override the key sequence for detaching a container')
    .option('--no-stdin', 'Do not attach STDIN')
    .option('--sig-proxy <bool>', 'Proxy all received signals to the process (default true)')
    .argument('<container>')
    .action(async (n: string, o) => (await import('./commands/attach.ts')).attachCommand(n, o));
  sub(p, 'stop', '[OPTIONS] CONTAINER [CONTAINER...]', 'Stop one or more running containers')
    .option('-s, --signal <string>', 'Signal to send to the container')
    .option('-t, --timeout <int>', 'Seconds to wait before killing the container')
    .addOption(new Option('--time <int>', 'Seconds to wait before killing the container (deprecated)').hideHelp())
    .argument('<containers...>')
    .action(async (n: string[], o) => (await c()).stopCommand(n, o));
  sub(p, 'restart', '[OPTIONS] CONTAINER [CONTAINER...]', 'Restart one or more containers')
    .option('-s, --signal <string>', 'Signal to send to the container')
    .option('-t, --timeout <int>', 'Seconds to wait before killing the container')
    .addOption(new Option('--time <int>', 'Seconds to wait before killing the container (deprecated)').hideHelp())
    .argument('<containers...>')
    .action(async (n: string[], o) => (await c()).restartCommand(n, o));
  sub(p, 'kill', '[OPTIONS] CONTAINER [CONTAINER...]', 'Kill one or more running containers')
    .option('-s, --signal <string>', 'Signal to send to the container')
    .argument('<containers...>')
    .action(async (n: string[], o) => (await c()).killCommand(n, o));
  sub(p, 'rm', '[OPTIONS] CONTAINER [CONTAINER...]', 'Remove one or more containers', top ? [] : ['remove'])
    .option('-f, --force', 'Force the removal of a running container (uses SIGKILL)')
    .option('-l, --link', 'Remove the specified link')
    .option('-v, --volumes', 'Remove anonymous volumes associated with the container')
    .argument('<containers...>')
    .action(async (n: string[], o) => (await c()).rmCommand(n, o));
  sub(p, top ? 'ps' : 'ls', '[OPTIONS]', 'List containers', top ? [] : ['ps', 'list'])
    .option('-a, --all', 'Show all containers (default shows just running)')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('--format <string>', 'Format output using a custom template')
    .option('-n, --last <int>', 'Show n last created containers (includes all states)')
    .option('-l, --latest', 'Show the latest created container (includes all states)')
    .option('--no-trunc', 'Don\'t truncate output')
    .option('-q, --quiet', 'Only display container IDs')
    .option('-s, --size', 'Display total file sizes')
    .action(async (o) => (await c()).psCommand(o));
  sub(p, 'logs', '[OPTIONS] CONTAINER', 'Fetch the logs of a container')
    .option('--details', 'Show extra details provided to logs')
    .option('-f, --follow', 'Follow log output')
    .option('--since <string>', 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)')
    .option('-n, --tail <string>', 'Number of lines to show from the end of the logs')
    .option('-t, --timestamps', 'Show timestamps')
    .option('--until <string>', 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)')
    .argument('<container>')
    .action(async (n: string, o) => (await c()).logsCommand(n, o));
  sub(p, 'wait', 'CONTAINER [CONTAINER...]', 'Block until one or more containers stop, then print their exit codes')
    .argument('<containers...>')
    .action(async (n: string[]) => (await c()).waitCommand(n));
  const inspect = sub(p, 'inspect', '[OPTIONS] NAME|ID [NAME|ID...]', top ? 'Return low-level information on Docker objects' : 'Display detailed information on one or more containers')
    .option('-f, --format <string>', 'Format output using a custom template')
    .option('-s, --size', 'Display total file sizes if the type is container');
  if (top) inspect.option('--type <string>', 'Only inspect objects of the given type');
  inspect.argument('<names...>').action(async (n: string[], o) => (await c()).inspectCommand(n, top ? o : { ...o, type: 'container' }));
}

/** The usage line docker prints under a usage error. */
function usageOf(cmd: Command): string {
  const names: string[] = [];
  for (let x: Command | null = cmd; x; x = x.parent) names.unshift(x.name());
  names[0] = programName;
  return `Usage:  ${names.join(' ')} ${cmd.usage()}`;
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let x: Command | null = cmd; x && x.parent; x = x.parent) names.unshift(x.name());
  return [programName, ...names].join(' ');
}

/** The command words on the command line after the global options (at most two). */
function commandWords(argv: readonly string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    const a = argv[i] as string;
    if (a === '-H' || a === '--host' || a === '-l' || a === '--log-level' || a === '-c' || a === '--context') { i++; continue; }
    if (a.startsWith('-')) { if (words.length > 0) break; continue; }
    words.push(a);
  }
  return words;
}

const groups = ['container', 'image', 'system', 'volume', 'network'];

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
  const program = new Command(programName)
    .usage('[OPTIONS] COMMAND')
    .description('A self-sufficient runtime for containers')
    .enablePositionalOptions()
    .helpOption('--help', 'Print usage')
    .option('-H, --host <string>', 'Daemon socket to connect to')
    .option('-c, --context <string>', 'Name of the context to use to connect to the daemon (overrides DOCKER_HOST env var and default context set with "docker context use")')
    .option('-l, --log-level <string>', 'Set the logging level ("debug", "info", "warn", "error", "fatal")')
    .option('-v, --version', 'Print version information and quit')
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, outputError: () => undefined });
  program.hook('preAction', (root) => {
    const g = root.opts<{ host?: string; logLevel?: string; context?: string }>();
    const host = resolveHost(g);
    setGlobalOptions({ ...(host !== undefined ? { host } : {}), ...(g.logLevel !== undefined ? { logLevel: g.logLevel } : {}) });
  });
  addContainerCommands(program, true);
  addImageCommands(program, true, sub);
  const container = sub(program, 'container', 'COMMAND', 'Manage containers');
  addContainerCommands(container, false);
  const image = sub(program, 'image', 'COMMAND', 'Manage images');
  addImageCommands(image, false, sub);
  sub(program, 'login', '[OPTIONS] [SERVER]', 'Authenticate to a registry')
    .option('-p, --password <string>', 'Password or Personal Access Token (PAT)')
    .option('--password-stdin', 'Take the Password or Personal Access Token (PAT) from stdin')
    .option('-u, --username <string>', 'Username')
    .argument('[server]')
    .action(async (s: string | undefined, o) => (await reg()).loginCommand(s, o));
  sub(program, 'logout', '[SERVER]', 'Log out from a registry')
    .argument('[server]')
    .action(async (s: string | undefined) => (await reg()).logoutCommand(s));
  sub(program, 'version', '[OPTIONS]', 'Show the Docker version information')
    .option('-f, --format <string>', 'Format output using a custom template')
    .action(async (o) => (await sys()).versionCommand(o));
  sub(program, 'info', '[OPTIONS]', 'Display system-wide information')
    .option('-f, --format <string>', 'Format output using a custom template')
    .action(async (o) => (await sys()).infoCommand(o));
  addVolumeCommands(program, sub);
  addNetworkCommands(program, sub);
  addPortCommand(program, sub);
  addPortCommand(container, sub);
  addFileCommands(program, sub);
  addFileCommands(container, sub);
  const system = sub(program, 'system', 'COMMAND', 'Manage Docker');
  sub(system, 'df', '[OPTIONS]', 'Show docker disk usage')
    .option('--format <string>', 'Format output using a custom template')
    .option('-v, --verbose', 'Show detailed information on space usage')
    .action(async (o) => (await import('./commands/system-df.ts')).systemDfCommand(o));
  sub(system, 'info', '[OPTIONS]', 'Display system-wide information')
    .option('-f, --format <string>', 'Format output using a custom template')
    .action(async (o) => (await sys()).infoCommand(o));
  addWatchCommands({ program, system, container, image }, sub);
  if (argv && program.commands.length === 0) {
    // an unknown word: build everything so that commander reports it as docker would
    return buildProgram();
  }
  const all = [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)];
  for (const cmd of all) {
    cmd.exitOverride().configureOutput({ writeErr: () => undefined, outputError: () => undefined, writeOut: (s) => process.stdout.write(s) });
  }
  return program;
}

/** Finds the deepest command named by argv, for usage errors. */
function findCommand(program: Command, argv: readonly string[]): Command {
  let cmd = program;
  for (const a of argv) {
    if (a.startsWith('-')) continue;
    const next = cmd.commands.find((x) => x.name() === a || x.aliases().includes(a));
    if (!next) break;
    cmd = next;
    if (cmd.commands.length === 0) break;
  }
  return cmd;
}

/** docker's text for a usage error, and its exit code. */
function usageError(program: Command, argv: readonly string[], e: CommanderError): { text: string; code: number } {
  const cmd = findCommand(program, argv);
  const msg = e.message.replace(/^error: /, '');
  let m: RegExpMatchArray | null;
  if ((m = /^unknown option '(-[^-])'/.exec(msg)) || (m = /^unknown option '(-[^-]).*'/.exec(msg))) {
    return { text: `unknown shorthand flag: '${(m[1] as string).slice(1)}' in ${m[1]}\n\n${usageOf(cmd)}\n\nRun '${commandPath(cmd)} --help' for more information\n`, code: 125 };
  }
  if ((m = /^unknown option '([^']+)'/.exec(msg))) {
    return { text: `unknown flag: ${(m[1] as string).split('=')[0]}\n\n${usageOf(cmd)}\n\nRun '${commandPath(cmd)} --help' for more information\n`, code: 125 };
  }
  if (/^missing required argument/.test(msg)) {
    const n = cmd.registeredArguments.filter((a) => a.required).length;
    const what = n === 1 ? '1 argument' : `${n} arguments`;
    const exactly = cmd.registeredArguments.some((a) => a.variadic) ? 'at least' : 'exactly';
    return { text: `${programName}: '${commandPath(cmd)}' requires ${exactly} ${what}\n\n${usageOf(cmd)}\n\nSee '${commandPath(cmd)} --help' for more information\n`, code: 1 };
  }
  if (/^unknown command/.test(msg) || /^too many arguments/.test(msg)) {
    const arg = /'([^']+)'/.exec(msg)?.[1] ?? '';
    if (cmd === program) return { text: `${programName}: unknown command: ${programName} ${arg}\n\nRun '${programName} --help' for more information\n`, code: 1 };
    return { text: `${programName}: '${commandPath(cmd)}' accepts no arguments\n\n${usageOf(cmd)}\n\nRun '${commandPath(cmd)} --help' for more information\n`, code: 1 };
  }
  if (/^option '.*' argument missing/.test(msg)) {
    const flag = /'([^']+)'/.exec(msg)?.[1]?.split(/[ ,]/).pop() ?? '';
    return { text: `flag needs an argument: ${flag}\n\n${usageOf(cmd)}\n\nRun '${commandPath(cmd)} --help' for more information\n`, code: 125 };
  }
  return { text: `${msg}\n`, code: 125 };
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
    const { berthVersion } = await sys();
    process.stdout.write(`Berth version ${berthVersion}\n`);
    return 0;
  }
  const program = buildProgram(argv);
  if (argv.length === 0) {
    program.outputHelp();
    return 0;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return 0;
      if (e.code === 'commander.executeSubCommandAsync') return 0;
      const u = usageError(program, argv, e);
      process.stderr.write(u.text);
      return u.code;
    }
    if (e instanceof ExitError) {
      if (e.message) process.stderr.write(e.message.endsWith('\n') ? e.message : `${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`${describeError(e)}\n`);
    return 1;
  }
}

const isEntry = process.argv[1] !== undefined && /(?:berth(?:\.mjs|\.cjs)?|main\.ts)$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // Streams may still hold the process open (stdin); leave once output is flushed.
    if (process.stdout.writableLength === 0) process.exit(code);
    else process.stdout.once('drain', () => process.exit(code));
  }, (e: unknown) => {
    process.stderr.write(`${describeError(e)}\n`);
    process.exit(1);
  });
}
