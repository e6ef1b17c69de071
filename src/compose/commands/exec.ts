// compose/commands: `compose exec` — `berth exec` in a service replica, with
// stdin kept open and a tty when stdin is one (unless -T).
import type { Command } from 'commander';
import { ExitError } from '../../cli-kit/index.ts';
import { L } from '../labels.ts';
import { listProjectContainers } from '../project-containers.ts';
import { collect, type ComposeContext } from './context.ts';

export function addExecCommand(program: Command, ctx: ComposeContext): void {
  program.command('exec').description('Execute a command in a running container')
    .argument('<service>').argument('<command...>')
    .option('-d, --detach', 'Detached mode: Run command in the background')
    .option('-T, --no-tty', 'Disable pseudo-TTY allocation')
    .option('-e, --env <env>', 'Set environment variables', collect)
    .option('-u, --user <user>', 'Run the command as this user')
    .option('-w, --workdir <dir>', 'Path to workdir directory for this command')
    .option('--privileged', 'Give extended privileges to the process')
    .option('--index <n>', 'Index of the container if service has multiple replicas', '1')
    .passThroughOptions()
    .action(async (service: string, command: string[], o: { detach?: boolean; tty: boolean; env?: string[]; user?: string; workdir?: string; privileged?: boolean; index: string }) => {
      const p = await ctx.projectOrName();
      const c = await ctx.client();
      const x = (await listProjectContainers(c, p.name, { services: [service] })).find((y) => y.Labels?.[L.number] === o.index);
      if (!x) throw new ExitError(1, `service "${service}" is not running`);
      const args = ['exec', ...(o.detach ? ['-d'] : []), '-i', ...(o.tty && process.stdin.isTTY ? ['-t'] : []),
        ...(o.env ?? []).flatMap((e) => ['-e', e]), ...(o.user ? ['-u', o.user] : []), ...(o.workdir ? ['-w', o.workdir] : []),
        ...(o.privileged ? ['--privileged'] : []), x.Id, ...command];
      const code = await ctx.runCli(args);
      if (code !== 0) throw new ExitError(code);
    });
}
