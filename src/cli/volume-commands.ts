// cli: the `volume` command group (create, ls, inspect, rm, prune, update) with docker's
// flags and aliases; bodies load lazily from commands/volumes.ts.
import { Option, type Command } from 'commander';
import type { Sub } from './berth-command.ts';
import { addClusterVolumeFlags } from './cluster-volume.ts';
import { formatHelp, inspectFormatHelp } from './format-help.ts';
import { describeFlags } from './help-meta.ts';

const collect = (v: string, prev: string[] = []) => [...prev, v];
const v = () => import('./commands/volumes.ts');

export function addVolumeCommands(program: Command, sub: Sub): void {
  const volume = sub(program, 'volume', 'COMMAND', 'Manage volumes');
  describeFlags(addClusterVolumeFlags(sub(volume, 'create', '[OPTIONS] [VOLUME]', 'Create a volume')
    .option('-d, --driver <string>', 'Specify volume driver name', 'local')
    .option('--label <list>', 'Set metadata for a volume', collect)
    .option('-o, --opt <map>', 'Set driver specific options', collect)
    // docker's hidden second way to name the volume
    .addOption(new Option('--name <string>', 'Specify volume name').hideHelp()))
    .argument('[volume]')
    .action(async (n: string | undefined, o) => (await v()).volumeCreateCommand(n, o)), { opt: 'map[]' });
  describeFlags(sub(volume, 'ls', '[OPTIONS]', 'List volumes', ['list'])
    .option('--cluster', 'Display only cluster volumes, and use cluster volume list formatting')
    .option('-f, --filter <filter>', 'Provide filter values (e.g. "dangling=true")', collect)
    .option('--format <string>', formatHelp)
    .option('-q, --quiet', 'Only display volume names')
    .action(async (o) => (await v()).volumeLsCommand(o)), { cluster: { needs: { version: '1.42', swarm: 'manager' } } });
  sub(volume, 'inspect', '[OPTIONS] VOLUME [VOLUME...]', 'Display detailed information on one or more volumes')
    .option('-f, --format <string>', inspectFormatHelp)
    .argument('<volumes...>')
    .action(async (n: string[], o) => (await v()).volumeInspectCommand(n, o));
  describeFlags(sub(volume, 'rm', '[OPTIONS] VOLUME [VOLUME...]', 'Remove one or more volumes', ['remove'], { long: 'Remove one or more volumes. You cannot remove a volume that is in use by a container.' })
    .option('-f, --force', 'Force the removal of one or more volumes')
    .argument('<volumes...>')
    .action(async (n: string[], o) => (await v()).volumeRmCommand(n, o)), { force: { needs: { version: '1.25' } } });
  describeFlags(sub(volume, 'update', '[OPTIONS] [VOLUME]', 'Update a volume (cluster volumes only)', [], { args: { kind: 'exact', n: 1 }, needs: { version: '1.42', swarm: 'manager' } })
    .option('--availability <string>', 'Cluster Volume availability ("active", "pause", "drain")')
    .argument('[volume]')
    .action(async (n: string, o) => (await v()).volumeUpdateCommand(n, o)), { availability: 'active' });
  describeFlags(sub(volume, 'prune', '[OPTIONS]', 'Remove unused local volumes', [], { needs: { version: '1.25' } })
    .option('-a, --all', 'Remove all unused volumes, not just anonymous ones')
    .option('--filter <filter>', 'Provide filter values (e.g. "label=<label>")', collect)
    .option('-f, --force', 'Do not prompt for confirmation')
    .action(async (o) => (await v()).volumePruneCommand(o)), { all: { needs: { version: '1.42' } } });
}
