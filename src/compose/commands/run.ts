// compose/commands: `compose run` — a one-off container of a service (its
// dependencies up first unless --no-deps), started detached or attached through
// `berth start -a -i`.
import type { Command } from 'commander';
import { ExitError } from '../../cli-kit/index.ts';
import { up, selectServices, ensureNetworks, ensureVolumes } from '../up.ts';
import { injectFileGrants } from '../configs-secrets.ts';
import { collect, type ComposeContext } from './context.ts';

interface RunFlags {
  detach?: boolean; rm?: boolean; env?: string[]; deps: boolean; name?: string; tty: boolean; entrypoint?: string; user?: string; workdir?: string;
}

export function addRunCommand(program: Command, ctx: ComposeContext): void {
  program.command('run').description('Run a one-off command on a service')
    .argument('<service>').argument('[command...]')
    .option('-d, --detach', 'Run container in background and print container ID')
    .option('--rm', 'Automatically remove the container when it exits')
    .option('-e, --env <env>', 'Set environment variables', collect)
    .option('--no-deps', 'Don\'t start linked services')
    .option('--name <name>', 'Assign a name to the container')
    .option('-T, --no-tty', 'Disable pseudo-TTY allocation')
    .option('--entrypoint <cmd>', 'Override the entrypoint of the image')
    .option('-u, --user <user>', 'Run as specified username or uid')
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .passThroughOptions()
    .action(async (service: string, command: string[], o: RunFlags) => {
      const p = await ctx.project();
      const c = await ctx.client();
      const s = selectServices(p, [service], true)[0];
      if (!s) throw new ExitError(1, `no such service: ${service}`);
      if (o.deps && Object.keys(s.depends_on).length > 0) await up(c, p, { services: Object.keys(s.depends_on) });
      else {
        await ensureNetworks(c, p, new Set(Object.keys(s.networks)));
        await ensureVolumes(c, p);
      }
      const { createSpec, configHash } = await import('../container-spec.ts');
      const { randomBytes } = await import('node:crypto');
      const name = o.name ?? `${p.name}-${service}-run-${randomBytes(6).toString('hex')}`;
      const spec = createSpec(p, s, 1, { hash: configHash(s), oneoff: true, nameOverride: name });
      const body = spec.body as Record<string, unknown>;
      if (command.length > 0) body['Cmd'] = command;
      if (o.entrypoint !== undefined) body['Entrypoint'] = [o.entrypoint];
      if (o.user) body['User'] = o.user;
      if (o.workdir) body['WorkingDir'] = o.workdir;
      body['Env'] = [...(body['Env'] as string[]), ...(o.env ?? [])];
      const interactive = !o.detach && o.tty && process.stdin.isTTY === true;
      body['Tty'] = interactive;
      body['OpenStdin'] = !o.detach;
      body['AttachStdin'] = !o.detach;
      body['StdinOnce'] = !o.detach;
      const hc = body['HostConfig'] as Record<string, unknown>;
      delete hc['PortBindings'];
      if (o.rm) hc['AutoRemove'] = true;
      const created = await c.json<{ Id: string }>('POST', '/containers/create', { query: { name }, body });
      await injectFileGrants(c, p, s, created.Id);
      if (o.detach) {
        await c.containerStart(created.Id);
        ctx.out(`${name}\n`);
        return;
      }
      const code = await ctx.runCli(['start', '-a', '-i', created.Id]);
      if (code !== 0) throw new ExitError(code);
    });
}
