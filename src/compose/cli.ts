// compose: the `compose` command line — `berth compose …` and the
// `berth-compose` program share it. Global flags (-f, -p, --project-directory,
// --profile, --env-file) load the project; each sub-command drives the Engine
// API through client/ only.
import { Command, CommanderError } from 'commander';
import type { EngineClient } from '../client/index.ts';
import { describeError, ExitError, getClient, setGlobalOptions } from '../cli-kit/index.ts';
import { resolveHost } from '../client/index.ts';
import { loadProject } from './load.ts';
import type { Project } from './model.ts';
import { renderConfig } from './config.ts';
import { up, buildService, pullImage, selectServices, ensureNetworks, ensureVolumes } from './up.ts';
import { down } from './down.ts';
import { ps } from './ps.ts';
import { streamLogs, displayName } from './logs.ts';
import { listProjectContainers, nameOf, progress } from './project-containers.ts';
import { composeVersion, L } from './labels.ts';
import { killProject } from './kill.ts';
import { injectFileGrants } from './configs-secrets.ts';

const collect = (v: string, prev: string[] = []) => [...prev, v];

interface GlobalFlags {
  file?: string[];
  projectName?: string;
  projectDirectory?: string;
  profile?: string[];
  envFile?: string[];
  host?: string;
  context?: string;
}

/** The daemon address chosen by -H, --context, DOCKER_HOST, DOCKER_CONTEXT or the docker config (undefined: berth's socket). */
function chosenHost(g: GlobalFlags): string | undefined {
  return resolveHost({ host: g.host, context: g.context });
}

/** The session's client: the chosen host, else berth's socket (starting berthd there as `berth` does). */
async function client(g: GlobalFlags): Promise<EngineClient> {
  const host = chosenHost(g);
  setGlobalOptions(host !== undefined ? { host } : {});
  return getClient();
}

function project(g: GlobalFlags): Promise<Project> {
  return loadProject({
    ...(g.file ? { files: g.file } : {}),
    ...(g.projectName ? { projectName: g.projectName } : {}),
    ...(g.projectDirectory ? { projectDirectory: g.projectDirectory } : {}),
    ...(g.profile ? { profiles: g.profile } : {}),
    ...(g.envFile ? { envFiles: g.envFile } : {}),
  });
}

/** The project name alone: -p/COMPOSE_PROJECT_NAME when no compose file is needed (down/ps of a named project). */
async function projectOrName(g: GlobalFlags): Promise<Project> {
  try {
    return await project(g);
  } catch (e) {
    const name = g.projectName ?? process.env['COMPOSE_PROJECT_NAME'];
    if (!name) throw e;
    return { name, workingDir: process.cwd(), configFiles: [], services: [], disabled: [], networks: {}, volumes: {}, environment: {} };
  }
}

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

/** How compose runs a plain berth command line (exec, run attach to containers through it); the program that hosts compose gives it. */
export interface ComposeHooks {
  readonly runCli: (argv: readonly string[]) => Promise<number>;
}

export function buildComposeProgram(name: string, hooks: ComposeHooks): Command {
  const plainCli = hooks.runCli;
  const program = new Command(name);
  // berth commands run for compose (exec, run, push) talk to the same daemon.
  const runCli = (argv: readonly string[]) => {
    const host = chosenHost(g());
    return plainCli(host !== undefined ? ['-H', host, ...argv] : argv);
  };
  program.exitOverride().showSuggestionAfterError(false).enablePositionalOptions()
    .usage('[OPTIONS] COMMAND')
    .description('Define and run multi-container applications with Docker')
    .option('-f, --file <file>', 'Compose configuration files', collect)
    .option('-p, --project-name <name>', 'Project name')
    .option('--project-directory <dir>', 'Specify an alternate working directory')
    .option('--profile <profile>', 'Specify a profile to enable', collect)
    .option('--env-file <file>', 'Specify an alternate environment file', collect)
    .option('-H, --host <host>', 'Daemon socket to connect to')
    .option('-c, --context <context>', 'Name of the context to use to connect to the daemon')
    .helpOption('-h, --help', 'Print usage');
  const g = (): GlobalFlags => program.opts<GlobalFlags>();
  const out = (s: string) => { process.stdout.write(s); };

  program.command('config').description('Parse, resolve and render compose file in canonical format')
    .option('--services', 'Print the service names, one per line.')
    .option('--volumes', 'Print the volume names, one per line.')
    .option('--images', 'Print the image names, one per line.')
    .option('-q, --quiet', 'Only validate the configuration, don\'t print anything')
    .option('--format <format>', 'Format the output. Values: [yaml | json]', 'yaml')
    .action(async (o: { services?: boolean; volumes?: boolean; images?: boolean; quiet?: boolean; format: string }) => {
      const p = await project(g());
      if (!o.quiet) out(renderConfig(p, { ...o }));
    });

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
      const p = await project(g());
      const c = (await client(g()));
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

  program.command('down').description('Stop and remove containers, networks')
    .option('-v, --volumes', 'Remove named volumes declared in the "volumes" section of the Compose file and anonymous volumes attached to containers')
    .option('--rmi <type>', 'Remove images used by services. "local" remove only images that don\'t have a custom tag ("local"|"all")')
    .option('--remove-orphans', 'Remove containers for services not defined in the Compose file')
    .option('-t, --timeout <seconds>', 'Specify a shutdown timeout in seconds')
    .action(async (o: { volumes?: boolean; rmi?: string; removeOrphans?: boolean; timeout?: string }) => {
      const p = await projectOrName(g());
      await down((await client(g())), p, {
        volumes: o.volumes ?? false, removeOrphans: (o.removeOrphans ?? false) || p.configFiles.length === 0,
        ...(o.rmi !== undefined ? { rmi: o.rmi } : {}), ...(o.timeout !== undefined ? { timeout: Number(o.timeout) } : {}),
      });
    });

  program.command('ps').description('List containers')
    .argument('[services...]')
    .option('-a, --all', 'Show all stopped containers (including those created by the run command)')
    .option('-q, --quiet', 'Only display IDs')
    .option('--services', 'Display services')
    .option('--format <format>', 'Format output using a custom template', 'table')
    .option('--status <status>', 'Filter services by status', collect)
    .action(async (services: string[], o: { all?: boolean; quiet?: boolean; services?: boolean; format: string; status?: string[] }) => {
      const p = await projectOrName(g());
      out(await ps((await client(g())), p, {
        all: o.all ?? false, quiet: o.quiet ?? false, services: o.services ?? false, format: o.format,
        ...(o.status ? { status: o.status } : {}), ...(services.length > 0 ? { filterServices: services } : {}),
      }));
    });

  program.command('logs').description('View output from containers')
    .argument('[services...]')
    .option('-f, --follow', 'Follow log output')
    .option('-n, --tail <n>', 'Number of lines to show from the end of the logs for each container', 'all')
    .option('-t, --timestamps', 'Show timestamps')
    .option('--no-color', 'Produce monochrome output')
    .option('--no-log-prefix', 'Don\'t print prefix in logs')
    .option('--since <since>', 'Show logs since timestamp or relative')
    .action(async (services: string[], o: { follow?: boolean; tail: string; timestamps?: boolean; color: boolean; logPrefix: boolean; since?: string }) => {
      const p = await projectOrName(g());
      const c = (await client(g()));
      const containers = await listProjectContainers(c, p.name, { all: true, services });
      await streamLogs(c, p.name, containers, {
        follow: o.follow ?? false, tail: o.tail, timestamps: o.timestamps ?? false,
        noColor: !o.color || !process.stdout.isTTY, noPrefix: !o.logPrefix, ...(o.since ? { since: o.since } : {}),
      });
    });

  const lifecycle = (cmd: string, desc: string, act: (c: EngineClient, id: string, o: Record<string, unknown>) => Promise<void>, done: string, opts: (x: Command) => Command = (x) => x) => {
    opts(program.command(cmd).description(desc).argument('[services...]'))
      .action(async (services: string[], o: Record<string, unknown>) => {
        const p = await projectOrName(g());
        const c = (await client(g()));
        const list = await listProjectContainers(c, p.name, { all: true, services });
        await Promise.all(list.map(async (x) => {
          await act(c, x.Id, o);
          progress('Container', nameOf(x), done);
        }));
      });
  };
  lifecycle('start', 'Start services', (c, id) => c.containerStart(id), 'Started');
  lifecycle('stop', 'Stop services', (c, id, o) => c.containerStop(id, o['timeout'] !== undefined ? { t: Number(o['timeout']) } : {}), 'Stopped',
    (x) => x.option('-t, --timeout <seconds>', 'Specify a shutdown timeout in seconds'));
  lifecycle('restart', 'Restart service containers', (c, id, o) => c.containerRestart(id, o['timeout'] !== undefined ? { t: Number(o['timeout']) } : {}), 'Started',
    (x) => x.option('-t, --timeout <seconds>', 'Specify a shutdown timeout in seconds'));
  program.command('kill').description('Force stop service containers')
    .argument('[services...]')
    .option('-s, --signal <signal>', 'SIGNAL to send to the container', 'SIGKILL')
    .option('--remove-orphans', 'Remove containers for services not defined in the Compose file')
    .action(async (services: string[], o: { signal: string; removeOrphans?: boolean }) => {
      await killProject(await client(g()), await projectOrName(g()), { services, signal: o.signal, ...(o.removeOrphans ? { removeOrphans: true } : {}) });
    });
  lifecycle('pause', 'Pause services', (c, id) => c.raw('POST', `/containers/${id}/pause`).then(() => undefined), 'Paused');
  lifecycle('unpause', 'Unpause services', (c, id) => c.raw('POST', `/containers/${id}/unpause`).then(() => undefined), 'Unpaused');

  program.command('rm').description('Removes stopped service containers')
    .argument('[services...]')
    .option('-f, --force', 'Don\'t ask to confirm removal')
    .option('-s, --stop', 'Stop the containers, if required, before removing')
    .option('-v, --volumes', 'Remove any anonymous volumes attached to containers')
    .action(async (services: string[], o: { force?: boolean; stop?: boolean; volumes?: boolean }) => {
      const p = await projectOrName(g());
      const c = (await client(g()));
      let list = await listProjectContainers(c, p.name, { all: true, services });
      if (o.stop) await Promise.all(list.filter((x) => x.State === 'running').map(async (x) => { await c.containerStop(x.Id); progress('Container', nameOf(x), 'Stopped'); }));
      if (!o.stop) list = list.filter((x) => x.State !== 'running');
      else list = await listProjectContainers(c, p.name, { all: true, services });
      if (list.length === 0) { process.stderr.write('No stopped containers\n'); return; }
      if (!o.force) process.stderr.write(`Going to remove ${list.map(nameOf).join(', ')}\n`);
      await Promise.all(list.map(async (x) => { await c.containerRemove(x.Id, { force: true, v: o.volumes ?? false }); progress('Container', nameOf(x), 'Removed'); }));
    });

  program.command('build').description('Build or rebuild services')
    .argument('[services...]')
    .option('--no-cache', 'Do not use cache when building the image')
    .option('--pull', 'Always attempt to pull a newer version of the image')
    .action(async (services: string[], o: { cache: boolean; pull?: boolean }) => {
      const p = await project(g());
      const c = (await client(g()));
      for (const s of selectServices(p, services, true)) await buildService(c, p, s, { noCache: !o.cache, pull: o.pull ?? false });
    });

  program.command('pull').description('Pull service images')
    .argument('[services...]')
    .option('--ignore-pull-failures', 'Pull what it can and ignores images with pull failures')
    .action(async (services: string[], o: { ignorePullFailures?: boolean }) => {
      const p = await project(g());
      const c = (await client(g()));
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

  program.command('push').description('Push service images')
    .argument('[services...]')
    .option('--ignore-push-failures', 'Push what it can and ignores images with push failures')
    .action(async (services: string[], o: { ignorePushFailures?: boolean }) => {
      const p = await project(g());
      // Compose pushes the services that name an image and are built from a context.
      for (const s of selectServices(p, services, true).filter((x) => x.image !== undefined && x.build !== undefined)) {
        const code = await runCli(['push', s.image as string]);
        if (code !== 0 && !o.ignorePushFailures) throw new ExitError(code);
      }
    });

  program.command('images').description('List images used by the created containers')
    .argument('[services...]')
    .option('-q, --quiet', 'Only display IDs')
    .action(async (services: string[], o: { quiet?: boolean }) => {
      const p = await projectOrName(g());
      const c = (await client(g()));
      const list = await listProjectContainers(c, p.name, { all: true, services });
      const rows: string[][] = [['CONTAINER', 'REPOSITORY', 'TAG', 'IMAGE ID', 'SIZE']];
      for (const x of list) {
        const img = await c.imageInspect(x.ImageID ?? x.Image ?? '').catch(() => undefined) as { Id: string; RepoTags?: string[]; Size?: number } | undefined;
        if (o.quiet) { out(`${img?.Id ?? ''}\n`); continue; }
        const [repo = '<none>', tag = '<none>'] = (img?.RepoTags?.[0] ?? x.Image ?? '').split(/:(?=[^:/]+$)/);
        rows.push([nameOf(x), repo, tag, (img?.Id ?? '').replace(/^sha256:/, '').slice(0, 12), `${((img?.Size ?? 0) / 1e6).toFixed(3)}MB`]);
      }
      if (!o.quiet) out(table(rows));
    });

  program.command('top').description('Display the running processes')
    .argument('[services...]')
    .action(async (services: string[]) => {
      const p = await projectOrName(g());
      const c = (await client(g()));
      for (const x of await listProjectContainers(c, p.name, { services })) {
        const t = await c.json<{ Titles: string[]; Processes: string[][] }>('GET', `/containers/${x.Id}/top`);
        out(`${nameOf(x)}\n${table([t.Titles, ...t.Processes])}\n`);
      }
    });

  program.command('port').description('Print the public port for a port binding')
    .argument('<service>').argument('<private_port>')
    .option('--protocol <protocol>', 'tcp or udp', 'tcp')
    .option('--index <n>', 'Index of the container if service has multiple replicas', '1')
    .action(async (service: string, port: string, o: { protocol: string; index: string }) => {
      const p = await projectOrName(g());
      const c = (await client(g()));
      const x = (await listProjectContainers(c, p.name, { services: [service] })).find((y) => y.Labels?.[L.number] === o.index);
      if (!x) throw new ExitError(1, `service "${service}" is not running container #${o.index}`);
      const binding = (x.Ports ?? []).find((q) => String(q.PrivatePort) === port && q.Type === o.protocol && q.PublicPort !== undefined);
      if (!binding) throw new ExitError(1, `no port ${port}/${o.protocol} for container ${nameOf(x)}`);
      out(`${binding.IP ?? '0.0.0.0'}:${binding.PublicPort}\n`);
    });

  program.command('ls').description('List running compose projects')
    .option('-a, --all', 'Show all stopped Compose projects')
    .option('-q, --quiet', 'Only display project names')
    .option('--format <format>', 'Format the output. Values: [table | json]', 'table')
    .action(async (o: { all?: boolean; quiet?: boolean; format: string }) => {
      const c = (await client(g()));
      const list = await c.containerList({ all: true, filters: { label: { [L.project]: true } } });
      const projects = new Map<string, { states: Map<string, number>; files: string }>();
      for (const x of list) {
        const name = x.Labels?.[L.project] ?? '';
        const e = projects.get(name) ?? { states: new Map<string, number>(), files: x.Labels?.[L.configFiles] ?? '' };
        e.states.set(x.State ?? '', (e.states.get(x.State ?? '') ?? 0) + 1);
        projects.set(name, e);
      }
      const rows = [...projects.entries()].sort(([a], [b]) => a.localeCompare(b))
        .filter(([, e]) => o.all || e.states.has('running'))
        .map(([name, e]) => ({ Name: name, Status: [...e.states.entries()].sort().map(([s, n]) => `${s}(${n})`).join(', '), ConfigFiles: e.files }));
      if (o.quiet) { out(rows.map((r) => `${r.Name}\n`).join('')); return; }
      if (o.format === 'json') { out(`${JSON.stringify(rows)}\n`); return; }
      out(table([['NAME', 'STATUS', 'CONFIG FILES'], ...rows.map((r) => [r.Name, r.Status, r.ConfigFiles])]));
    });

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
      const p = await projectOrName(g());
      const c = (await client(g()));
      const x = (await listProjectContainers(c, p.name, { services: [service] })).find((y) => y.Labels?.[L.number] === o.index);
      if (!x) throw new ExitError(1, `service "${service}" is not running`);
      const args = ['exec', ...(o.detach ? ['-d'] : []), '-i', ...(o.tty && process.stdin.isTTY ? ['-t'] : []),
        ...(o.env ?? []).flatMap((e) => ['-e', e]), ...(o.user ? ['-u', o.user] : []), ...(o.workdir ? ['-w', o.workdir] : []),
        ...(o.privileged ? ['--privileged'] : []), x.Id, ...command];
      const code = await runCli(args);
      if (code !== 0) throw new ExitError(code);
    });

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
    .action(async (service: string, command: string[], o: { detach?: boolean; rm?: boolean; env?: string[]; deps: boolean; name?: string; tty: boolean; entrypoint?: string; user?: string; workdir?: string }) => {
      const p = await project(g());
      const c = (await client(g()));
      const s = selectServices(p, [service], true)[0];
      if (!s) throw new ExitError(1, `no such service: ${service}`);
      if (o.deps && Object.keys(s.depends_on).length > 0) await up(c, p, { services: Object.keys(s.depends_on) });
      else {
        await ensureNetworks(c, p, new Set(Object.keys(s.networks)));
        await ensureVolumes(c, p);
      }
      const { createSpec, configHash } = await import('./container-spec.ts');
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
        out(`${name}\n`);
        return;
      }
      const code = await runCli(['start', '-a', '-i', created.Id]);
      if (code !== 0) throw new ExitError(code);
    });

  program.command('version').description('Show the Docker Compose version information')
    .option('--short', 'Shows only Compose\'s version number')
    .option('-f, --format <format>', 'Format the output. Values: [pretty | json]', 'pretty')
    .action((o: { short?: boolean; format: string }) => {
      if (o.short) out(`${composeVersion}\n`);
      else if (o.format === 'json') out(`${JSON.stringify({ version: `v${composeVersion}` })}\n`);
      else out(`Docker Compose version v${composeVersion}\n`);
    });

  return program;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length); });
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 3))).join('').trimEnd() + '\n').join('');
}

/** Runs the compose command line; resolves to the exit code. */
export async function composeMain(argv: readonly string[], name: string, hooks: ComposeHooks): Promise<number> {
  const program = buildComposeProgram(name, hooks);
  if (argv.length === 0) { program.outputHelp(); return 0; }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return 0;
      return 1;
    }
    if (e instanceof ExitError) {
      if (e.message) process.stderr.write(e.message.endsWith('\n') ? e.message : `${e.message}\n`);
      return e.exitCode;
    }
    // Errors the daemon answered with keep docker's prefix; compose's own (loading, validation) do not.
    const fromDaemon = typeof (e as { status?: unknown } | null)?.status === 'number';
    process.stderr.write(`${fromDaemon || !(e instanceof Error) ? describeError(e) : e.message}\n`);
    return 1;
  }
}
