// compose/commands: `compose pull` — pulls the image of every chosen service
// that names one, all at once.
import type { Command } from 'commander';
import { pullImage, selectServices } from '../up.ts';
import { progress } from '../project-containers.ts';
import type { ComposeContext } from './context.ts';

export function addPullCommand(program: Command, ctx: ComposeContext): void {
  program.command('pull').description('Pull service images')
    .argument('[services...]')
    .option('--ignore-pull-failures', 'Pull what it can and ignores images with pull failures')
    .action(async (services: string[], o: { ignorePullFailures?: boolean }) => {
      const p = await ctx.project();
      const c = await ctx.client();
      await Promise.all(selectServices(p, services, true).filter((s) => s.image !== undefined).map(async (s) => {
        try {
          await pullImage(c, s.image as string);
          progress('', s.name, 'Pulled');
        } catch (e) {
          if (!o.ignorePullFailures) throw e;
          process.stderr.write(` ✘ ${s.name} Error ${(e as Error).message}\n`);
        }
      }));
    });
}
