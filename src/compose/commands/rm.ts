// compose/commands: `compose rm` — removes the services' stopped containers
// (with --stop, stops the running ones first).
import type { Command } from 'commander';
import { listProjectContainers, nameOf, progress } from '../project-containers.ts';
import type { ComposeContext } from './context.ts';

export function addRmCommand(program: Command, ctx: ComposeContext): void {
  program.command('rm').description('Removes stopped service containers')
    .argument('[services...]')
    .option('-f, --force', 'Don\'t ask to confirm removal')
    .option('-s, --stop', 'Stop the containers, if required, before removing')
    .option('-v, --volumes', 'Remove any anonymous volumes attached to containers')
    .action(async (services: string[], o: { force?: boolean; stop?: boolean; volumes?: boolean }) => {
      const p = await ctx.projectOrName();
      const c = await ctx.client();
      let list = await listProjectContainers(c, p.name, { all: true, services });
      if (o.stop) await Promise.all(list.filter((x) => x.State === 'running').map(async (x) => { await c.containerStop(x.Id); progress('Container', nameOf(x), 'Stopped'); }));
      if (!o.stop) list = list.filter((x) => x.State !== 'running');
      else list = await listProjectContainers(c, p.name, { all: true, services });
      if (list.length === 0) { process.stderr.write('No stopped containers\n'); return; }
      if (!o.force) process.stderr.write(`Going to remove ${list.map(nameOf).join(', ')}\n`);
      await Promise.all(list.map(async (x) => { await c.containerRemove(x.Id, { force: true, v: o.volumes ?? false }); progress('Container', nameOf(x), 'Removed'); }));
    });
}
