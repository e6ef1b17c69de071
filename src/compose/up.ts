// compose: `compose up` — creates the project's networks and volumes, builds or
// pulls missing images, then converges every service to its replica count in
// dependency order (independent services in parallel), recreating only the
// containers whose config hash changed, and waiting on depends_on conditions.
import type { EngineClient } from '../client/index.ts';
import type { ContainerSummary } from '../client/index.ts';
import { readJsonMessages } from '../client/index.ts';
import { isNotFound, invalidArgument, failedPrecondition } from '../core/errors.ts';
import { contextTar, dockerIoKey, getAuth, registryAuthHeader } from '../cli-kit/index.ts';
import { parseReference, repositoryName, withDefaultTag } from '../core/reference.ts';
import type { Project, ServiceConfig } from './model.ts';
import { configHash, createSpec, serviceImage } from './container-spec.ts';
import { L, composeVersion } from './labels.ts';
import { injectFileGrants } from './configs-secrets.ts';
import { listProjectContainers, nameOf, numberOf, progress, serviceOf } from './project-containers.ts';

export interface UpOptions {
  readonly build?: boolean;
  readonly noBuild?: boolean;
  readonly forceRecreate?: boolean;
  readonly noRecreate?: boolean;
  readonly timeout?: number;
  readonly scale?: Readonly<Record<string, number>>;
  readonly removeOrphans?: boolean;
  readonly noDeps?: boolean;
  readonly noStart?: boolean;
  readonly wait?: boolean;
  /** Only these services (and their dependencies unless noDeps). */
  readonly services?: readonly string[];
}

/** Creates the project's networks that are missing; checks external ones exist. */
export async function ensureNetworks(client: EngineClient, project: Project, keys?: ReadonlySet<string>): Promise<void> {
  for (const [key, n] of Object.entries(project.networks)) {
    if (keys && !keys.has(key)) continue;
    try {
      await client.json('GET', `/networks/${encodeURIComponent(n.name)}`);
      continue;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    if (n.external) throw failedPrecondition(`network ${n.name} declared as external, but could not be found`);
    await client.json('POST', '/networks/create', {
      body: {
        Name: n.name, Driver: n.driver ?? 'bridge', CheckDuplicate: true, Internal: n.internal ?? false,
        Labels: { ...n.labels, [L.project]: project.name, [L.network]: key, [L.version]: composeVersion },
        ...(n.ipam !== undefined ? { IPAM: ipamBody(n.ipam) } : {}),
      },
    });
    progress('Network', n.name, 'Created');
  }
}

function ipamBody(ipam: unknown): Record<string, unknown> {
  const m = (ipam ?? {}) as Record<string, unknown>;
  const config = Array.isArray(m['config']) ? m['config'] as Record<string, unknown>[] : [];
  return {
    Driver: m['driver'] ?? 'default',
    Config: config.map((c) => ({
      ...(c['subnet'] !== undefined ? { Subnet: c['subnet'] } : {}),
      ...(c['gateway'] !== undefined ? { Gateway: c['gateway'] } : {}),
      ...(c['ip_range'] !== undefined ? { IPRange: c['ip_range'] } : {}),
    })),
  };
}

/** Creates the project's named volumes that are missing; checks external ones exist. */
export async function ensureVolumes(client: EngineClient, project: Project): Promise<void> {
  for (const [key, v] of Object.entries(project.volumes)) {
    try {
      await client.json('GET', `/volumes/${encodeURIComponent(v.name)}`);
      continue;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    if (v.external) throw failedPrecondition(`external volume "${v.name}" not found`);
    await client.json('POST', '/volumes/create', {
      body: {
        Name: v.name, Driver: v.driver ?? 'local', DriverOpts: v.driver_opts ?? {},
        Labels: { ...v.labels, [L.project]: project.name, [L.volume]: key, [L.version]: composeVersion },
      },
    });
    progress('Volume', `"${v.name}"`, 'Created');
  }
}

/** Builds a service's image with POST /build; returns the image id. */
export async function buildService(client: EngineClient, project: Project, s: ServiceConfig, options: { noCache?: boolean; pull?: boolean } = {}): Promise<string | undefined> {
  const b = s.build;
  if (!b) return undefined;
  const tag = serviceImage(project, s);
  process.stderr.write(`[+] Building ${s.name}\n`);
  const body = await contextTar(b.context, { keep: [b.dockerfile, '.dockerignore'] });
  const query: Record<string, string | boolean> = {
    t: tag, dockerfile: b.dockerfile, rm: true, nocache: options.noCache ?? false, pull: options.pull ?? false,
    buildargs: JSON.stringify(Object.fromEntries(Object.entries(b.args ?? {}).filter(([, v]) => v !== null))),
    labels: JSON.stringify({ ...b.labels, [L.project]: project.name, [L.service]: s.name, [L.version]: composeVersion }),
  };
  if (b.target) query['target'] = b.target;
  const res = await client.stream('POST', '/build', { query, body, headers: { 'Content-Type': 'application/x-tar' } });
  let id: string | undefined;
  for await (const m of readJsonMessages(res)) {
    if (m.error !== undefined || m.errorDetail !== undefined) {
      throw failedPrecondition(`failed to solve: ${m.errorDetail?.message ?? m.error ?? 'build failed'}`);
    }
    if (m.aux && typeof m.aux['ID'] === 'string') id = m.aux['ID'];
    if (m.stream !== undefined) process.stderr.write(m.stream);
  }
  progress('Service', s.name, 'Built');
  return id;
}

/** Pulls an image with the credentials `berth login` stored for its registry. */
export async function pullImage(client: EngineClient, image: string): Promise<void> {
  const ref = withDefaultTag(parseReference(image));
  const auth = registryAuthHeader(await getAuth(ref.domain === 'docker.io' ? dockerIoKey : ref.domain));
  const res = await client.stream('POST', '/images/create', {
    query: { fromImage: repositoryName(ref), tag: ref.digest ?? ref.tag ?? 'latest' }, headers: { 'X-Registry-Auth': auth },
  });
  for await (const m of readJsonMessages(res)) {
    if (m.error !== undefined || m.errorDetail !== undefined) throw failedPrecondition(m.errorDetail?.message ?? m.error ?? 'pull failed');
  }
}

async function imageId(client: EngineClient, image: string): Promise<string | undefined> {
  try {
    return (await client.imageInspect(image)).Id;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** Makes sure every service's image exists: build (when --build or missing), else pull. */
async function ensureImages(client: EngineClient, project: Project, services: readonly ServiceConfig[], options: UpOptions): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const s of services) {
    const image = serviceImage(project, s);
    let id = await imageId(client, image);
    if (s.build && !options.noBuild && (options.build || id === undefined)) {
      await buildService(client, project, s);
      id = await imageId(client, image);
    } else if (id === undefined) {
      process.stderr.write(` ${s.name} Pulling\n`);
      await pullImage(client, image);
      progress('', s.name, 'Pulled');
      id = await imageId(client, image);
    }
    if (id !== undefined) ids.set(s.name, id);
  }
  return ids;
}

/** Services in the order they can start: each after the services it depends on. */
export function dependencyOrder(services: readonly ServiceConfig[]): ServiceConfig[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const out: ServiceConfig[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (s: ServiceConfig, path: string[]): void => {
    const st = state.get(s.name);
    if (st === 'done') return;
    if (st === 'visiting') throw invalidArgument(`dependency cycle detected: ${[...path, s.name].join(' -> ')}`);
    state.set(s.name, 'visiting');
    for (const dep of Object.keys(s.depends_on)) {
      const d = byName.get(dep);
      if (d) visit(d, [...path, s.name]);
    }
    state.set(s.name, 'done');
    out.push(s);
  };
  for (const s of services) visit(s, []);
  return out;
}

/** The services to act on: the named ones plus (unless noDeps) everything they depend on. */
export function selectServices(project: Project, names: readonly string[] | undefined, noDeps = false): ServiceConfig[] {
  if (!names || names.length === 0) return [...project.services];
  const all = new Map([...project.services, ...project.disabled].map((s) => [s.name, s]));
  const chosen = new Set<string>();
  const add = (n: string): void => {
    if (chosen.has(n)) return;
    const s = all.get(n);
    if (!s) throw invalidArgument(`no such service: ${n}`);
    chosen.add(n);
    if (!noDeps) for (const d of Object.keys(s.depends_on)) if (all.has(d)) add(d);
  };
  for (const n of names) add(n);
  return [...all.values()].filter((s) => chosen.has(s.name));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for one dependency's condition, as Compose does before starting a dependent. */
async function waitCondition(client: EngineClient, project: Project, dep: string, condition: string): Promise<void> {
  if (condition === 'service_started') return;
  const containers = await listProjectContainers(client, project.name, { all: true, services: [dep] });
  for (const c of containers) {
    for (;;) {
      const info = await client.containerInspect(c.Id) as unknown as { State: { Running: boolean; Status: string; ExitCode: number; Health?: { Status: string } } };
      const st = info.State;
      if (condition === 'service_healthy') {
        const h = st.Health?.Status;
        if (h === undefined) throw failedPrecondition(`dependency failed to start: container ${nameOf(c)} has no healthcheck configured`);
        if (h === 'healthy') break;
        if (h === 'unhealthy') throw failedPrecondition(`dependency failed to start: container ${nameOf(c)} is unhealthy`);
        if (!st.Running) throw failedPrecondition(`dependency failed to start: container ${nameOf(c)} exited (${st.ExitCode})`);
      } else if (condition === 'service_completed_successfully') {
        if (!st.Running && st.Status !== 'created') {
          if (st.ExitCode !== 0) throw failedPrecondition(`service "${dep}" didn't complete successfully: exit ${st.ExitCode}`);
          break;
        }
      } else break;
      await sleep(200);
    }
    progress('Container', nameOf(c), condition === 'service_healthy' ? 'Healthy' : 'Exited');
  }
}

/** Stops and removes one container (best effort stop first). */
export async function removeContainer(client: EngineClient, c: ContainerSummary, timeout?: number, volumes = false): Promise<void> {
  if (c.State === 'running' || c.State === 'restarting' || c.State === 'paused') {
    await client.containerStop(c.Id, timeout !== undefined ? { t: timeout } : {});
    progress('Container', nameOf(c), 'Stopped');
  }
  await client.containerRemove(c.Id, { force: true, v: volumes });
  progress('Container', nameOf(c), 'Removed');
}

/** Creates replica `n` of a service, connects its other networks, and (unless noStart) starts it. */
async function createReplica(client: EngineClient, project: Project, s: ServiceConfig, n: number, hash: string, imageId: string | undefined, start: boolean): Promise<void> {
  const spec = createSpec(project, s, n, { hash, ...(imageId ? { imageId } : {}) });
  const created = await client.json<{ Id: string }>('POST', '/containers/create', { query: { name: spec.name }, body: spec.body });
  await injectFileGrants(client, project, s, created.Id);
  for (const net of spec.extraNetworks) {
    await client.json('POST', `/networks/${encodeURIComponent(net.name)}/connect`, {
      body: { Container: created.Id, EndpointConfig: { Aliases: net.aliases, ...(net.ipv4 ? { IPAMConfig: { IPv4Address: net.ipv4 } } : {}) } },
    });
  }
  progress('Container', spec.name, 'Created');
  if (start) {
    await client.containerStart(created.Id);
    progress('Container', spec.name, 'Started');
  }
}

/** Brings one service to its configuration and replica count. */
async function convergeService(client: EngineClient, project: Project, s: ServiceConfig, imageId: string | undefined, options: UpOptions): Promise<void> {
  const scale = options.scale?.[s.name] ?? s.scale;
  const hash = configHash(s);
  const existing = await listProjectContainers(client, project.name, { all: true, services: [s.name] });
  const byNumber = new Map<number, ContainerSummary>();
  const extra: ContainerSummary[] = [];
  for (const c of existing) {
    const n = numberOf(c);
    if (n >= 1 && n <= scale && !byNumber.has(n)) byNumber.set(n, c); else extra.push(c);
  }
  await Promise.all(extra.map((c) => removeContainer(client, c, options.timeout)));
  const start = !options.noStart;
  await Promise.all(Array.from({ length: scale }, (_, i) => i + 1).map(async (n) => {
    const c = byNumber.get(n);
    if (!c) return createReplica(client, project, s, n, hash, imageId, start);
    const changed = c.Labels?.[L.hash] !== hash || (imageId !== undefined && c.Labels?.[L.image] !== undefined && c.Labels[L.image] !== imageId);
    if ((changed || options.forceRecreate) && !options.noRecreate) {
      progress('Container', nameOf(c), 'Recreate');
      await removeContainer(client, c, options.timeout);
      return createReplica(client, project, s, n, hash, imageId, start);
    }
    if (start && c.State !== 'running') {
      await client.containerStart(c.Id);
      progress('Container', nameOf(c), 'Started');
    } else {
      progress('Container', nameOf(c), 'Running');
    }
    return undefined;
  }));
}

/** Runs `up` for the project (detached part: everything but attaching to output). */
export async function up(client: EngineClient, project: Project, options: UpOptions = {}): Promise<void> {
  const services = dependencyOrder(selectServices(project, options.services, options.noDeps));
  const names = new Set(services.map((s) => s.name));
  const known = new Set([...project.services, ...project.disabled].map((s) => s.name));

  // Containers of services no longer in the file: removed on request, else a warning.
  const orphans = (await listProjectContainers(client, project.name, { all: true })).filter((c) => !known.has(serviceOf(c)));
  if (orphans.length > 0) {
    if (options.removeOrphans) await Promise.all(orphans.map((c) => removeContainer(client, c, options.timeout)));
    else process.stderr.write(`WARN[0000] Found orphan containers ([${orphans.map(nameOf).join(' ')}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.\n`);
  }

  const usedNetworks = new Set(services.flatMap((s) => Object.keys(s.networks)));
  await ensureNetworks(client, project, usedNetworks);
  await ensureVolumes(client, project);
  const ids = await ensureImages(client, project, services, options);

  // Each service starts once its dependencies have started (and met their conditions).
  const done = new Map<string, Promise<void>>();
  const run = (s: ServiceConfig): Promise<void> => {
    let p = done.get(s.name);
    if (p) return p;
    p = (async () => {
      for (const [dep, d] of Object.entries(s.depends_on)) {
        const ds = services.find((x) => x.name === dep);
        if (!ds) continue;
        await run(ds);
        if (names.has(dep) && !options.noStart) await waitCondition(client, project, dep, d.condition);
      }
      await convergeService(client, project, s, ids.get(s.name), options);
    })();
    done.set(s.name, p);
    return p;
  };
  await Promise.all(services.map(run));

  if (options.wait) await waitHealthy(client, project, [...names]);
}

/** --wait: until every service's containers are running (and healthy when they have a check). */
async function waitHealthy(client: EngineClient, project: Project, services: readonly string[]): Promise<void> {
  for (;;) {
    let pending = false;
    for (const c of await listProjectContainers(client, project.name, { all: true, services })) {
      const info = await client.containerInspect(c.Id) as unknown as { State: { Running: boolean; ExitCode: number; Health?: { Status: string } } };
      if (!info.State.Running) throw failedPrecondition(`container ${nameOf(c)} exited (${info.State.ExitCode})`);
      const h = info.State.Health?.Status;
      if (h === 'unhealthy') throw failedPrecondition(`container ${nameOf(c)} is unhealthy`);
      if (h !== undefined && h !== 'healthy') pending = true;
    }
    if (!pending) return;
    await sleep(300);
  }
}
