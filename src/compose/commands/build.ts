// compose/commands: `compose build` — builds each chosen service that has a
// build section (../up.ts buildService), one after the other.
import type { Command } from 'commander';
import { buildService, selectServices } from '../up.ts';
import type { ComposeContext } from './context.ts';

export function addBuildCommand(program: Command, ctx: ComposeContext): void {
  program.command('build').description('Build or rebuild services')
    .argument('[services...]')
    .option('--no-cache', 'Do not use cache when building the image')
    .option('--pull', 'Always attempt to pull a newer version of the image')
    .action(async (services: string[], o: { cache: boolean; pull?: boolean }) => {
      const p = await ctx.project();
      const c = await ctx.client();
      for (const s of selectServices(p, services, true)) await buildService(c, p, s, { noCache: !o.cache, pull: o.pull ?? false });
    });
}
