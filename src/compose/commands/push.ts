// compose/commands: `compose push` — `berth push` of each chosen service's
// image that is built from a context.
import type { Command } from 'commander';
import { ExitError } from '../../cli-kit/index.ts';
import { selectServices } from '../up.ts';
import type { ComposeContext } from './context.ts';

export function addPushCommand(program: Command, ctx: ComposeContext): void {
  program.command('push').description('Push service images')
    .argument('[services...]')
    .option('--ignore-push-failures', 'Push what it can and ignores images with push failures')
    .action(async (services: string[], o: { ignorePushFailures?: boolean }) => {
      const p = await ctx.project();
      // Compose pushes the services that name an image and are built from a context.
      for (const s of selectServices(p, services, true).filter((x) => x.image !== undefined && x.build !== undefined)) {
        const code = await ctx.runCli(['push', s.image as string]);
        if (code !== 0 && !o.ignorePushFailures) throw new ExitError(code);
      }
    });
}
