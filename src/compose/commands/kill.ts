// compose/commands: `compose kill` as Compose does it — the project's running containers
// (one-off ones included; orphans only with --remove-orphans) get the signal; a
// stopped container is skipped, and none at all is "No container to kill", not a failure.
import type { Command } from 'commander';
import type { EngineClient } from '../../client/index.ts';
import type { Project } from '../model.ts';
import { L } from '../labels.ts';
import { listProjectContainers, nameOf, progress } from '../project-containers.ts';
import type { ComposeContext } from './context.ts';

export async function killProject(c: EngineClient, p: Project, o: { services: readonly string[]; signal: string; removeOrphans?: boolean }): Promise<void> {
  let list = await listProjectContainers(c, p.name, { all: false, oneoff: true, services: [...o.services] });
  const known = new Set(p.services.map((s) => s.name));
  if (!o.removeOrphans && known.size > 0) list = list.filter((x) => known.has(x.Labels?.[L.service] ?? ''));
  if (list.length === 0) process.stderr.write('No container to kill\n');
  await Promise.all(list.map(async (x) => {
    await c.containerKill(x.Id, { signal: o.signal });
    progress('Container', nameOf(x), 'Killed');
  }));
}

export function addKillCommand(program: Command, ctx: ComposeContext): void {
  program.command('kill').description('Force stop service containers')
    .argument('[services...]')
    .option('-s, --signal <signal>', 'SIGNAL to send to the container', 'SIGKILL')
    .option('--remove-orphans', 'Remove containers for services not defined in the Compose file')
    .action(async (services: string[], o: { signal: string; removeOrphans?: boolean }) => {
      await killProject(await ctx.client(), await ctx.projectOrName(), { services, signal: o.signal, ...(o.removeOrphans ? { removeOrphans: true } : {}) });
    });
}
