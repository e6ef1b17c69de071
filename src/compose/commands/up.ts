// compose/commands: `compose up` — plans and starts the project (../up.ts), then,
// unless detached, follows every container's output until ctrl-c stops them.
import type { Command } from 'commander';
import type { EngineClient } from '../../client/index.ts';
import { ExitError } from '../../cli-kit/index.ts';
import type { Project } from '../model.ts';
import { up, selectServices } from '../up.ts';
import { streamLogs, displayName } from '../logs.ts';
import { listProjectContainers, nameOf, progress } from '../project-containers.ts';
import { collect, type ComposeContext } from './context.ts';

function scaleFlags(list: readonly string[] | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of list ?? []) {
    const [svc = '', n = ''] = s.split('=');
    if (!/^\d+$/.test(n)) throw new ExitError(1, `invalid --scale value "${s}"`);
    out[svc] = Number(n);
  }
  return out;
}

/** Attached `up`: follows every container's output; ctrl-c stops the project. */
async function attach(c: EngineClient, p: Project, services: readonly string[], timeout: number | undefined): Promise<void> {
  const containers = await listProjectContainers(c, p.name, { all: true, services });
  const abort = new AbortController();
  let stopping = false;
  const onSigint = () => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write('Gracefully stopping... (press Ctrl+C again to force)\n');
    void Promise.all(containers.map(async (x) => {
      try {
        await c.containerStop(x.Id, timeout !== undefined ? { t: timeout } : {});
        progress('Container', nameOf(x), 'Stopped');
      } catch { /* already gone */ }
    })).finally(() => abort.abort());
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  process.stdout.write(`Attaching to ${containers.map((x) => displayName(x, p.name)).join(', ')}\n`);
  try {
    await Promise.all(containers.map(async (x) => {
      await streamLogs(c, p.name, [x], { follow: true, signal: abort.signal });
      try {
        const info = await c.containerInspect(x.Id) as unknown as { State: { ExitCode: number; Running: boolean } };
        if (!info.State.Running) process.stdout.write(`${displayName(x, p.name)} exited with code ${info.State.ExitCode}\n`);
      } catch { /* removed */ }
    }));
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

export function addUpCommand(program: Command, ctx: ComposeContext): void {
  program.command('up').description('Create and start containers')
    .argument('[services...]')
    .option('-d, --detach', 'Detached mode: Run containers in the background')
    .option('--build', 'Build images before starting containers')
    .option('--no-build', 'Don\'t build an image, even if it\'s policy')
    .option('--force-recreate', 'Recreate containers even if their configuration and image haven\'t changed')
    .option('--no-recreate', 'If containers already exist, don\'t recreate them')
    .option('--no-start', 'Don\'t start the services after creating them')
    .option('--no-deps', 'Don\'t start linked services')
    .option('--remove-orphans', 'Remove containers for services not defined in the Compose file')
    .option('--scale <scale>', 'Scale SERVICE to NUM instances', collect)
    .option('-t, --timeout <seconds>', 'Use this timeout in seconds for container shutdown')
    .option('--wait', 'Wait for services to be running|healthy. Implies detached mode.')
    .action(async (services: string[], o: Record<string, unknown>) => {
      const p = await ctx.project();
      const c = await ctx.client();
      const timeout = o['timeout'] !== undefined ? Number(o['timeout']) : undefined;
      await up(c, p, {
        build: o['build'] === true, noBuild: o['build'] === false, forceRecreate: o['forceRecreate'] === true,
        noRecreate: o['recreate'] === false, noStart: o['start'] === false, noDeps: o['deps'] === false,
        removeOrphans: o['removeOrphans'] === true, scale: scaleFlags(o['scale'] as string[] | undefined),
        wait: o['wait'] === true, services,
        ...(timeout !== undefined ? { timeout } : {}),
      });
      if (o['detach'] || o['wait'] || o['start'] === false) return;
      const names = selectServices(p, services, o['deps'] === false).map((s) => s.name);
      await attach(c, p, names, timeout);
    });
}
