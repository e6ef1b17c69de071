// compose/commands: `compose down` — stops and removes the project's containers
// and networks (../down.ts); without a compose file, the project named by -p.
import type { Command } from 'commander';
import { down } from '../down.ts';
import type { ComposeContext } from './context.ts';

export function addDownCommand(program: Command, ctx: ComposeContext): void {
  program.command('down').description('Stop and remove containers, networks')
    .option('-v, --volumes', 'Remove named volumes declared in the "volumes" section of the Compose file and anonymous volumes attached to containers')
    .option('--rmi <type>', 'Remove images used by services. "local" remove only images that don\'t have a custom tag ("local"|"all")')
    .option('--remove-orphans', 'Remove containers for services not defined in the Compose file')
    .option('-t, --timeout <seconds>', 'Specify a shutdown timeout in seconds')
    .action(async (o: { volumes?: boolean; rmi?: string; removeOrphans?: boolean; timeout?: string }) => {
      const p = await ctx.projectOrName();
      await down(await ctx.client(), p, {
        volumes: o.volumes ?? false, removeOrphans: (o.removeOrphans ?? false) || p.configFiles.length === 0,
        ...(o.rmi !== undefined ? { rmi: o.rmi } : {}), ...(o.timeout !== undefined ? { timeout: Number(o.timeout) } : {}),
      });
    });
}
