// compose/commands: `compose logs` — the services' output, each line prefixed
// with its container (../logs.ts).
import type { Command } from 'commander';
import { streamLogs } from '../logs.ts';
import { listProjectContainers } from '../project-containers.ts';
import type { ComposeContext } from './context.ts';

export function addLogsCommand(program: Command, ctx: ComposeContext): void {
  program.command('logs').description('View output from containers')
    .argument('[services...]')
    .option('-f, --follow', 'Follow log output')
    .option('-n, --tail <n>', 'Number of lines to show from the end of the logs for each container', 'all')
    .option('-t, --timestamps', 'Show timestamps')
    .option('--no-color', 'Produce monochrome output')
    .option('--no-log-prefix', 'Don\'t print prefix in logs')
    .option('--since <since>', 'Show logs since timestamp or relative')
    .action(async (services: string[], o: { follow?: boolean; tail: string; timestamps?: boolean; color: boolean; logPrefix: boolean; since?: string }) => {
      const p = await ctx.projectOrName();
      const c = await ctx.client();
      const containers = await listProjectContainers(c, p.name, { all: true, services });
      await streamLogs(c, p.name, containers, {
        follow: o.follow ?? false, tail: o.tail, timestamps: o.timestamps ?? false,
        noColor: !o.color || !process.stdout.isTTY, noPrefix: !o.logPrefix, ...(o.since ? { since: o.since } : {}),
      });
    });
}
