// compose/commands: `compose top` — the processes of each running container of
// the chosen services, one table per container.
import type { Command } from 'commander';
import { listProjectContainers, nameOf } from '../project-containers.ts';
import type { ComposeContext } from './context.ts';
import { table } from './text-table.ts';

export function addTopCommand(program: Command, ctx: ComposeContext): void {
  program.command('top').description('Display the running processes')
    .argument('[services...]')
    .action(async (services: string[]) => {
      const p = await ctx.projectOrName();
      const c = await ctx.client();
      for (const x of await listProjectContainers(c, p.name, { services })) {
        const t = await c.json<{ Titles: string[]; Processes: string[][] }>('GET', `/containers/${x.Id}/top`);
        ctx.out(`${nameOf(x)}\n${table([t.Titles, ...t.Processes])}\n`);
      }
    });
}
