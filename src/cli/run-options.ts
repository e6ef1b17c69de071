// cli: the options of `run` and `create` as docker's CLI registers them (the
// common ones here, the lifecycle and the remaining ones from their own files).
import type { Command } from 'commander';
import { addLifecycleRunFlags } from './run-flags-lifecycle.ts';
import { addExtraRunFlags } from './run-flags-extra.ts';
import { describeFlags, skippedCommand } from './help-meta.ts';

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function runFlags(cmd: Command, isRun: boolean): Command {
  // Not built this run (another command was named): its ~100 flags would go nowhere.
  if (cmd === skippedCommand) return cmd;
  if (isRun) {
    cmd.option('-d, --detach', 'Run container in background and print container ID')
      .option('--detach-keys <string>', 'Override the key sequence for detaching a container')
      .option('--sig-proxy <bool>', 'Proxy received signals to the process');
    describeFlags(cmd, { 'sig-proxy': 'true' });
  }
  cmd
    .option('-i, --interactive', 'Keep STDIN open even if not attached')
    .option('-t, --tty', 'Allocate a pseudo-TTY')
    .option('--rm', 'Automatically remove the container and its associated anonymous volumes when it exits')
    .option('--name <string>', 'Assign a name to the container')
    .option('-e, --env <list>', 'Set environment variables', collect)
    .option('--env-file <list>', 'Read in a file of environment variables', collect)
    .option('-w, --workdir <string>', 'Working directory inside the container')
    .option('-u, --user <string>', 'Username or UID (format: <name|uid>[:<group|gid>])')
    .option('--entrypoint <string>', 'Overwrite the default ENTRYPOINT of the image')
    .option('-h, --hostname <string>', 'Container host name')
    .option('-l, --label <list>', 'Set meta data on a container', collect)
    .option('-m, --memory <bytes>', 'Memory limit')
    .option('--cpus <decimal>', 'Number of CPUs')
    .option('--pids-limit <int>', 'Tune container pids limit (set -1 for unlimited)')
    .option('--network <network>', 'Connect a container to a network', collect)
    .option('--network-alias <list>', 'Add network-scoped alias for the container', collect)
    .option('--ip <string>', 'IPv4 address (e.g., 172.30.100.104)')
    .option('-P, --publish-all', 'Publish all exposed ports to random ports')
    .option('--expose <list>', 'Expose a port or a range of ports', collect)
    .option('--runtime <string>', 'Runtime to use for this container')
    .option('--log-driver <string>', 'Logging driver for the container')
    .option('--log-opt <list>', 'Log driver options', collect)
    .option('-p, --publish <list>', 'Publish a container\'s port(s) to the host', collect)
    .option('-v, --volume <list>', 'Bind mount a volume', collect)
    .option('--mount <mount>', 'Attach a filesystem mount to the container', collect)
    .option('--tmpfs <list>', 'Mount a tmpfs directory', collect)
    .option('--volumes-from <list>', 'Mount volumes from the specified container(s)', collect);
  describeFlags(cmd, { cpus: { needs: { version: '1.25' } } });
  return addExtraRunFlags(addLifecycleRunFlags(cmd), isRun)
    .argument('<image>')
    .argument('[command...]')
    .passThroughOptions()
    // -h is --hostname: the help flag is docker's own --help, listed with the options.
    .helpOption('--help', 'Print usage');
}
