// compose/commands: `compose ps` — the project's containers as a table, a
// --format template, IDs or service names (../ps.ts).
import type { Command } from 'commander';
import { ps } from '../ps.ts';
import { collect, type ComposeContext } from './context.ts';

export function addPsCommand(program: Command, ctx: ComposeContext): void {
  program.command('ps').description('List containers')
    .argument('[services...]')
    .option('-a, --all', 'Show all stopped containers (including those created by the run command)')
    .option('-q, --quiet', 'Only display IDs')
    .option('--services', 'Display services')
    .option('--format <format>', 'Format output using a custom template', 'table')
    .option('--status <status>', 'Filter services by status', collect)
    .action(async (services: string[], o: { all?: boolean; quiet?: boolean; services?: boolean; format: string; status?: string[] }) => {
      const p = await ctx.projectOrName();
      ctx.out(await ps(await ctx.client(), p, {
        all: o.all ?? false, quiet: o.quiet ?? false, services: o.services ?? false, format: o.format,
        ...(o.status ? { status: o.status } : {}), ...(services.length > 0 ? { filterServices: services } : {}),
      }));
    });
}
