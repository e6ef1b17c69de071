// compose/commands: `compose images` — the image of each of the project's
// containers: repository, tag, short id and size (or only the ids with -q).
import type { Command } from 'commander';
import { listProjectContainers, nameOf } from '../project-containers.ts';
import type { ComposeContext } from './context.ts';
import { table } from './text-table.ts';

export function addImagesCommand(program: Command, ctx: ComposeContext): void {
  program.command('images').description('List images used by the created containers')
    .argument('[services...]')
    .option('-q, --quiet', 'Only display IDs')
    .action(async (services: string[], o: { quiet?: boolean }) => {
      const p = await ctx.projectOrName();
      const c = await ctx.client();
      const list = await listProjectContainers(c, p.name, { all: true, services });
      const rows: string[][] = [['CONTAINER', 'REPOSITORY', 'TAG', 'IMAGE ID', 'SIZE']];
      for (const x of list) {
        const img = await c.imageInspect(x.ImageID ?? x.Image ?? '').catch(() => undefined) as { Id: string; RepoTags?: string[]; Size?: number } | undefined;
        if (o.quiet) { ctx.out(`${img?.Id ?? ''}\n`); continue; }
        const [repo = '<none>', tag = '<none>'] = (img?.RepoTags?.[0] ?? x.Image ?? '').split(/:(?=[^:/]+$)/);
        rows.push([nameOf(x), repo, tag, (img?.Id ?? '').replace(/^sha256:/, '').slice(0, 12), `${((img?.Size ?? 0) / 1e6).toFixed(3)}MB`]);
      }
      if (!o.quiet) ctx.out(table(rows));
    });
}
