// compose/commands: `compose port` — the host address a service replica's
// private port is published on.
import type { Command } from 'commander';
import { ExitError } from '../../cli-kit/index.ts';
import { L } from '../labels.ts';
import { listProjectContainers, nameOf } from '../project-containers.ts';
import type { ComposeContext } from './context.ts';

export function addPortCommand(program: Command, ctx: ComposeContext): void {
  program.command('port').description('Print the public port for a port binding')
    .argument('<service>').argument('<private_port>')
    .option('--protocol <protocol>', 'tcp or udp', 'tcp')
    .option('--index <n>', 'Index of the container if service has multiple replicas', '1')
    .action(async (service: string, port: string, o: { protocol: string; index: string }) => {
      const p = await ctx.projectOrName();
      const c = await ctx.client();
      const x = (await listProjectContainers(c, p.name, { services: [service] })).find((y) => y.Labels?.[L.number] === o.index);
      if (!x) throw new ExitError(1, `service "${service}" is not running container #${o.index}`);
      const binding = (x.Ports ?? []).find((q) => String(q.PrivatePort) === port && q.Type === o.protocol && q.PublicPort !== undefined);
      if (!binding) throw new ExitError(1, `no port ${port}/${o.protocol} for container ${nameOf(x)}`);
      ctx.out(`${binding.IP ?? '0.0.0.0'}:${binding.PublicPort}\n`);
    });
}
