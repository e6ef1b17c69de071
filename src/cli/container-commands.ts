// cli: the container commands (run, create, start, exec, … inspect) with
// docker's flags, aliases and help facts, at the top level and under
// `container`; bodies load lazily from commands/.
import { Option, type Command } from 'commander';
import type { Sub } from './berth-command.ts';
import { formatHelp, inspectFormatHelp } from './format-help.ts';
import { describeFlags } from './help-meta.ts';
import { runFlags } from './run-options.ts';

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

/** docker's "aliases" annotation of a container command: its `container` path(s), then the top-level shortcut. */
const twin = (name: string, top = name, ...aliases: string[]) => ({ aliases: [`container ${name}`, ...aliases.map((a) => `container ${a}`), top] });

export function addContainerCommands(p: Command, top: boolean, sub: Sub): void {
  runFlags(sub(p, 'run', '[OPTIONS] IMAGE [COMMAND] [ARG...]', 'Create and run a new container from an image', [], { ...twin('run'), top: 1, ownHelpFlag: true }), true)
    .action((image: string, command: string[], o) => run.run(image, command, o));
  runFlags(sub(p, 'create', '[OPTIONS] IMAGE [COMMAND] [ARG...]', 'Create a new container', [], { ...twin('create'), ownHelpFlag: true }), false)
    .action((image: string, command: string[], o) => run.create(image, command, o));
  describeFlags(sub(p, 'start', '[OPTIONS] CONTAINER [CONTAINER...]', 'Start one or more stopped containers', [], twin('start'))
    .option('-a, --attach', 'Attach STDOUT/STDERR and forward signals')
    .option('--detach-keys <string>', 'Override the key sequence for detaching a container')
    .option('-i, --interactive', 'Attach container\'s STDIN')
    .option('--checkpoint <string>', 'Restore from this checkpoint')
    .option('--checkpoint-dir <string>', 'Use a custom checkpoint storage directory')
    .argument('<containers...>')
    .action(async (n: string[], o) => (await c()).startCommand(n, o)), {
    checkpoint: { needs: { experimental: true } }, 'checkpoint-dir': { needs: { experimental: true } },
  });
  describeFlags(sub(p, 'exec', '[OPTIONS] CONTAINER COMMAND [ARG...]', 'Execute a command in a running container', [], { ...twin('exec'), top: 2, args: { kind: 'min', n: 2 } })
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
    .action(async (n: string, cmd: string[], o) => (await import('./commands/exec.ts')).execCommand(n, cmd, o)), {
    env: { needs: { version: '1.25' } }, 'env-file': { needs: { version: '1.25' } }, workdir: { needs: { version: '1.35' } },
  });
  const cc = () => import('./commands/container-control.ts');
  sub(p, 'pause', 'CONTAINER [CONTAINER...]', 'Pause all processes within one or more containers', [], twin('pause'))
    .argument('<containers...>')
    .action(async (n: string[]) => (await cc()).pauseCommand(n));
  sub(p, 'unpause', 'CONTAINER [CONTAINER...]', 'Unpause all processes within one or more containers', [], twin('unpause'))
    .argument('<containers...>')
    .action(async (n: string[]) => (await cc()).unpauseCommand(n));
  describeFlags(sub(p, 'update', '[OPTIONS] CONTAINER [CONTAINER...]', 'Update configuration of one or more containers', [], twin('update'))
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
    .addOption(new Option('--kernel-memory <bytes>', 'Kernel memory limit (deprecated)').hideHelp())
    .argument('<containers...>')
    .action(async (n: string[], o) => (await import('./commands/update.ts')).updateCommand(n, o)), {
    'cpu-rt-period': { needs: { version: '1.25' } }, 'cpu-rt-runtime': { needs: { version: '1.25' } },
    cpus: { needs: { version: '1.29' } }, 'pids-limit': { needs: { version: '1.40' } },
  });
  sub(p, 'rename', 'CONTAINER NEW_NAME', 'Rename a container', [], twin('rename'))
    .argument('<container>')
    .argument('<newName>')
    .action(async (n: string, m: string) => (await cc()).renameCommand(n, m));
  sub(p, 'top', 'CONTAINER [ps OPTIONS]', 'Display the running processes of a container', [], twin('top'))
    .argument('<container>')
    .argument('[psOptions...]')
    .passThroughOptions()
    .allowUnknownOption()
    .action(async (n: string, a: string[]) => (await cc()).topCommand(n, a));
  sub(p, 'attach', '[OPTIONS] CONTAINER', 'Attach local standard input, output, and error streams to a running container', [], twin('attach'))
    .option('--detach-keys <string>', 'Override the key sequence for detaching a container')
    .option('--no-stdin', 'Do not attach STDIN')
    .option('--sig-proxy <bool>', 'Proxy all received signals to the process (default true)')
    .argument('<container>')
    .action(async (n: string, o) => (await import('./commands/attach.ts')).attachCommand(n, o));
  sub(p, 'stop', '[OPTIONS] CONTAINER [CONTAINER...]', 'Stop one or more running containers', [], twin('stop'))
    .option('-s, --signal <string>', 'Signal to send to the container')
    .option('-t, --timeout <int>', 'Seconds to wait before killing the container')
    .addOption(new Option('--time <int>', 'Seconds to wait before killing the container (deprecated)').hideHelp())
    .argument('<containers...>')
    .action(async (n: string[], o) => (await c()).stopCommand(n, o));
  sub(p, 'restart', '[OPTIONS] CONTAINER [CONTAINER...]', 'Restart one or more containers', [], twin('restart'))
    .option('-s, --signal <string>', 'Signal to send to the container')
    .option('-t, --timeout <int>', 'Seconds to wait before killing the container')
    .addOption(new Option('--time <int>', 'Seconds to wait before killing the container (deprecated)').hideHelp())
    .argument('<containers...>')
    .action(async (n: string[], o) => (await c()).restartCommand(n, o));
  sub(p, 'kill', '[OPTIONS] CONTAINER [CONTAINER...]', 'Kill one or more running containers', [], twin('kill'))
    .option('-s, --signal <string>', 'Signal to send to the container')
    .argument('<containers...>')
    .action(async (n: string[], o) => (await c()).killCommand(n, o));
  sub(p, 'rm', '[OPTIONS] CONTAINER [CONTAINER...]', 'Remove one or more containers', top ? [] : ['remove'], twin('rm', 'rm', 'remove'))
    .option('-f, --force', 'Force the removal of a running container (uses SIGKILL)')
    .option('-l, --link', 'Remove the specified link')
    .option('-v, --volumes', 'Remove anonymous volumes associated with the container')
    .argument('<containers...>')
    .action(async (n: string[], o) => (await c()).rmCommand(n, o));
  describeFlags(sub(p, top ? 'ps' : 'ls', '[OPTIONS]', 'List containers', top ? [] : ['list', 'ps'], { ...twin('ls', 'ps', 'list', 'ps'), ...(top ? { top: 3 } : {}) })
    .option('-a, --all', 'Show all containers (default shows just running)')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('--format <string>', formatHelp)
    .option('-n, --last <int>', 'Show n last created containers (includes all states)')
    .option('-l, --latest', 'Show the latest created container (includes all states)')
    .option('--no-trunc', 'Don\'t truncate output')
    .option('-q, --quiet', 'Only display container IDs')
    .option('-s, --size', 'Display total file sizes')
    .action(async (o) => (await import('./commands/ps.ts')).psCommand(o)), { last: '-1' });
  describeFlags(sub(p, 'logs', '[OPTIONS] CONTAINER', 'Fetch the logs of a container', [], twin('logs'))
    .option('--details', 'Show extra details provided to logs')
    .option('-f, --follow', 'Follow log output')
    .option('--since <string>', 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)')
    .option('-n, --tail <string>', 'Number of lines to show from the end of the logs')
    .option('-t, --timestamps', 'Show timestamps')
    .option('--until <string>', 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)')
    .argument('<container>')
    .action(async (n: string, o) => (await c()).logsCommand(n, o)), { tail: 'all', until: { needs: { version: '1.35' } } });
  sub(p, 'wait', 'CONTAINER [CONTAINER...]', 'Block until one or more containers stop, then print their exit codes', [], twin('wait'))
    .argument('<containers...>')
    .action(async (n: string[]) => (await c()).waitCommand(n));
  const inspect = (top
    ? sub(p, 'inspect', '[OPTIONS] NAME|ID [NAME|ID...]', 'Return low-level information on Docker objects')
    : sub(p, 'inspect', '[OPTIONS] CONTAINER [CONTAINER...]', 'Display detailed information on one or more containers'))
    .option('-f, --format <string>', inspectFormatHelp)
    .option('-s, --size', top ? 'Display total file sizes if the type is container' : 'Display total file sizes');
  if (top) inspect.option('--type <string>', 'Only inspect objects of the given type');
  inspect.argument('<names...>').action(async (n: string[], o) => (await import('./commands/inspect.ts')).inspectCommand(n, top ? o : { ...o, type: 'container' }));
}

