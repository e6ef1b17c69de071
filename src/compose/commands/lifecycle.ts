// compose/commands: start, stop, restart, pause and unpause — one Engine API call
// per container of the chosen services, each followed by its progress line.
import type { Command } from 'commander';
import type { EngineClient } from '../../client/index.ts';
import { listProjectContainers, nameOf, progress } from '../project-containers.ts';
import type { ComposeContext } from './context.ts';

type Act = (c: EngineClient, id: string, o: Record<string, unknown>) => Promise<void>;

function addLifecycleCommand(program: Command, ctx: ComposeContext, cmd: string, desc: string, act: Act, done: string, opts: (x: Command) => Command = (x) => x): void {
  opts(program.command(cmd).description(desc).argument('[services...]'))
    .action(async (services: string[], o: Record<string, unknown>) => {
      const p = await ctx.projectOrName();
      const c = await ctx.client();
      const list = await listProjectContainers(c, p.name, { all: true, services });
      await Promise.all(list.map(async (x) => {
        await act(c, x.Id, o);
        progress('Container', nameOf(x), done);
      }));
    });
}

const timeoutOption = (x: Command): Command => x.option('-t, --timeout <seconds>', 'Specify a shutdown timeout in seconds');
const timeoutQuery = (o: Record<string, unknown>) => (o['timeout'] !== undefined ? { t: Number(o['timeout']) } : {});

export function addStartStopRestartCommands(program: Command, ctx: ComposeContext): void {
  addLifecycleCommand(program, ctx, 'start', 'Start services', (c, id) => c.containerStart(id), 'Started');
  addLifecycleCommand(program, ctx, 'stop', 'Stop services', (c, id, o) => c.containerStop(id, timeoutQuery(o)), 'Stopped', timeoutOption);
  addLifecycleCommand(program, ctx, 'restart', 'Restart service containers', (c, id, o) => c.containerRestart(id, timeoutQuery(o)), 'Started', timeoutOption);
}

export function addPauseCommands(program: Command, ctx: ComposeContext): void {
  addLifecycleCommand(program, ctx, 'pause', 'Pause services', (c, id) => c.raw('POST', `/containers/${id}/pause`).then(() => undefined), 'Paused');
  addLifecycleCommand(program, ctx, 'unpause', 'Unpause services', (c, id) => c.raw('POST', `/containers/${id}/unpause`).then(() => undefined), 'Unpaused');
}
