// cli: the watching and clean-up commands — `events` (also `system events`),
// `stats` (also `container stats`), `container|image|system prune`;
// bodies load lazily from commands/.
import type { Command } from 'commander';
import type { Sub } from './berth-command.ts';
import { formatHelp, inspectFormatHelp } from './format-help.ts';
import { describeFlags } from './help-meta.ts';

const collect = (v: string, prev: string[] = []) => [...prev, v];
const ev = () => import('./commands/events.ts');
const st = () => import('./commands/stats.ts');
const pr = () => import('./commands/prune.ts');

function eventsCommand(parent: Command, sub: Sub): void {
  sub(parent, 'events', '[OPTIONS]', 'Get real time events from the server', [], { aliases: ['system events', 'events'] })
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('--format <string>', inspectFormatHelp)
    .option('--since <string>', 'Show all events created since timestamp')
    .option('--until <string>', 'Stream events until this timestamp')
    .action(async (o) => (await ev()).eventsCommand(o));
}

function statsCommand(parent: Command, sub: Sub): void {
  sub(parent, 'stats', '[OPTIONS] [CONTAINER...]', 'Display a live stream of container(s) resource usage statistics', [], { aliases: ['container stats', 'stats'] })
    .option('-a, --all', 'Show all containers (default shows just running)')
    .option('--format <string>', formatHelp)
    .option('--no-stream', 'Disable streaming stats and only pull the first result')
    .option('--no-trunc', 'Do not truncate output')
    .argument('[containers...]')
    .action(async (names: string[], o) => (await st()).statsCommand(names, o));
}

/** The prune commands of `container`, `image`, `builder` and `system`. */
function pruneCommands(groups: { system: Command; container: Command; image: Command; builder: Command }, sub: Sub): void {
  sub(groups.builder, 'prune', '', 'Remove build cache', [], { args: { kind: 'none' }, needs: { version: '1.39' } })
    .option('-a, --all', 'Remove all unused build cache, not just dangling ones')
    .option('--filter <filter>', 'Provide filter values (e.g. "until=24h")', collect)
    .option('-f, --force', 'Do not prompt for confirmation')
    .option('--keep-storage <bytes>', 'Amount of disk space to keep for cache')
    .action(async (o) => (await pr()).builderPruneCommand(o));
  sub(groups.container, 'prune', '[OPTIONS]', 'Remove all stopped containers', [], { needs: { version: '1.25' } })
    .option('--filter <filter>', 'Provide filter values (e.g. "until=<timestamp>")', collect)
    .option('-f, --force', 'Do not prompt for confirmation')
    .action(async (o) => (await pr()).containerPruneCommand(o));
  sub(groups.image, 'prune', '[OPTIONS]', 'Remove unused images', [], { needs: { version: '1.25' } })
    .option('-a, --all', 'Remove all unused images, not just dangling ones')
    .option('--filter <filter>', 'Provide filter values (e.g. "until=<timestamp>")', collect)
    .option('-f, --force', 'Do not prompt for confirmation')
    .action(async (o) => (await pr()).imagePruneCommand(o));
  describeFlags(sub(groups.system, 'prune', '[OPTIONS]', 'Remove unused data', [], { needs: { version: '1.25' } })
    .option('-a, --all', 'Remove all unused images not just dangling ones')
    .option('--filter <filter>', 'Provide filter values (e.g. "label=<key>=<value>")', collect)
    .option('-f, --force', 'Do not prompt for confirmation')
    .option('--volumes', 'Prune anonymous volumes')
    .action(async (o) => (await pr()).systemPruneCommand(o)), { filter: { needs: { version: '1.28' } } });
}

export function addWatchCommands(groups: { program: Command; system: Command; container: Command; image: Command; builder: Command }, sub: Sub): void {
  pruneCommands(groups, sub);
  eventsCommand(groups.program, sub);
  eventsCommand(groups.system, sub);
  statsCommand(groups.program, sub);
  statsCommand(groups.container, sub);
}
