// cli: the `volume` command group (create, ls, inspect, rm, prune) with docker's
// flags and aliases; bodies load lazily from commands/volumes.ts.
import type { Command } from 'commander';
import { addClusterVolumeFlags } from './cluster-volume.ts';

type Sub = (parent: Command, name: string, usage: string, description: string, aliases?: string[]) => Command;

const collect = (v: string, prev: string[] = []) => [...prev, v];
const v = () => import('./commands/volumes.ts');

export function addVolumeCommands(program: Command, sub: Sub): void {
  const volume = sub(program, 'volume', 'COMMAND', 'Manage volumes');
  addClusterVolumeFlags(sub(volume, 'create', '[OPTIONS] [VOLUME]', 'Create a volume')
    .option('-d, --driver <string>', 'Specify volume driver name', 'local')
    .option('--label <list>', 'Set metadata for a volume', collect)
    .option('-o, --opt <map>', 'Set driver specific options', collect)
    .option('--name <string>', 'Specify volume name'))
    .argument('[volume]')
    .action(async (n: string | undefined, o) => (await v()).volumeCreateCommand(n, o));
  sub(volume, 'ls', '[OPTIONS]', 'List volumes', ['list'])
    .option('--cluster', 'Display only cluster volumes, and use cluster volume list formatting')
    .option('-f, --filter <filter>', 'Provide filter values (e.g. "dangling=true")', collect)
    .option('--format <string>', 'Format output using a custom template')
    .option('-q, --quiet', 'Only display volume names')
    .action(async (o) => (await v()).volumeLsCommand(o));
  sub(volume, 'inspect', '[OPTIONS] VOLUME [VOLUME...]', 'Display detailed information on one or more volumes')
    .option('-f, --format <string>', 'Format output using a custom template')
    .argument('<volumes...>')
    .action(async (n: string[], o) => (await v()).volumeInspectCommand(n, o));
  sub(volume, 'rm', '[OPTIONS] VOLUME [VOLUME...]', 'Remove one or more volumes', ['remove'])
    .option('-f, --force', 'Force the removal of one or more volumes')
    .argument('<volumes...>')
    .action(async (n: string[], o) => (await v()).volumeRmCommand(n, o));
  sub(volume, 'prune', '[OPTIONS]', 'Remove unused local volumes')
    .option('-a, --all', 'Remove all unused volumes, not just anonymous ones')
    .option('--filter <filter>', 'Provide filter values (e.g. "label=<label>")', collect)
    .option('-f, --force', 'Do not prompt for confirmation')
    .action(async (o) => (await v()).volumePruneCommand(o));
}
