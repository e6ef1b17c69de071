// createEngine: the engine's composition — opens the store, the image store and
// the runtime under the data and exec roots, and wires the container, image and
// system services together.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createImageStore } from '../image/index.ts';
import type { Logger } from '../lib/logger.ts';
import { invalidArgument, isInvalidArgument } from '../core/errors.ts';
import { createConmonRuntime, detectRuntime, type ContainerRuntime } from '../runtime/index.ts';
import { openBlobStore, openMetadataStore, openSnapshotter } from '../store/index.ts';
import { LocalContainerService } from './containers.ts';
import { LocalExecService } from './execs.ts';
import { LocalFileService } from './container-files.ts';
import { ContainerMounts } from './container-mounts.ts';
import { LocalVolumeService } from './volumes.ts';
import type { VolumeStore } from '../volume/index.ts';
import { LocalImageService } from './images.ts';
import { LocalSystemService, runcAliases } from './system.ts';
import { createRegistryClient, type RegistrySettings } from '../registry/index.ts';
import { LocalRegistryService } from './registry-service.ts';
import type { Engine } from './engine-services.ts';
import { EventBus } from './events.ts';
import { StatsService } from './stats.ts';
import { PruneService } from './prune.ts';
import { LogRotator } from './log-rotation.ts';
import { publishContainerEvents, publishExecEvents, publishFileEvents, publishImageEvents, publishNetworkEvents, publishRegistryEvents, publishVolumeEvents } from './event-publishing.ts';
import type { NetworkManager } from '../network/index.ts';
import { LocalNetworkService } from './networks.ts';
import { createBuildService, ImageParents } from '../build/index.ts';
import { HealthMonitor } from './health.ts';
import { execProbeRunner } from './health-probe.ts';

export interface EngineOptions {
  readonly dataRoot: string;
  readonly execRoot: string;
  /** Preferred OCI runtime name or path (`runc`, `crun`); detected when absent. */
  readonly runtime?: string;
  /** Extra runtimes by name (daemon.json `runtimes`); `runc` and `crun` are known by name anyway. */
  readonly runtimes?: Readonly<Record<string, { path: string }>>;
  readonly log: Logger;
  /** Insecure registries, mirrors, certs.d (daemon.json). */
  readonly registry?: RegistrySettings;
  /** The volume store and the network manager, made by daemon/ (the composition root); the engine closes the network manager in close(). */
  readonly volumeStore: VolumeStore;
  readonly network: NetworkManager;
}

export async function createEngine(options: EngineOptions): Promise<Engine> {
  const { dataRoot, execRoot, log } = options;
  await mkdir(join(dataRoot, 'containers'), { recursive: true, mode: 0o710 });
  await mkdir(join(execRoot, 'containers'), { recursive: true, mode: 0o700 });
  const meta = openMetadataStore(join(dataRoot, 'berth.db'));
  try {
    const blobs = await openBlobStore(dataRoot);
    const snapshotter = await openSnapshotter(dataRoot);
    const imageStore = await createImageStore({ blobs, meta, snapshotter, log: log.with({ module: 'image' }) });
    const binary = await detectRuntime(options.runtime);
    const runtime = await createConmonRuntime({ binary, execRoot });
    log.info('runtime selected', { runtime: binary.name, path: binary.path });
    // Other runtimes, made on first use; each keeps its own state root so runc and crun never share one.
    const others = new Map<string, Promise<ContainerRuntime>>();
    const runtimeFor = (name: string): Promise<ContainerRuntime> => {
      if (name === binary.name) return Promise.resolve(runtime);
      let rt = others.get(name);
      if (!rt) {
        const configured = options.runtimes?.[name]?.path ?? (runcAliases.includes(name) ? 'runc' : undefined);
        if (configured === undefined && name !== 'runc' && name !== 'crun') return Promise.reject(invalidArgument(`unknown or invalid runtime name: ${name}`));
        rt = detectRuntime(configured ?? name).then(
          (b) => createConmonRuntime({ binary: { name, path: b.path }, execRoot: join(execRoot, 'runtimes', name) }),
          (err: unknown) => {
            others.delete(name);
            throw isInvalidArgument(err) ? invalidArgument(`unknown or invalid runtime name: ${name}`, err) : err;
          },
        );
        others.set(name, rt);
      }
      return rt;
    };

    const { volumeStore, network } = options;
    const mounts = new ContainerMounts({ store: volumeStore, log: log.with({ module: 'volumes' }) });
    const events = new EventBus();
    const containers = new LocalContainerService({ dataRoot, execRoot, meta, images: imageStore, snapshotter, runtime, runtimeFor, log: log.with({ module: 'containers' }), mounts, network, events });
    // Logs rotate by size (see log-rotation.ts); conmon's control fifo sits under the runtime's exec root.
    const logRotator = new LogRotator({
      running: () => containers.list(),
      socketLinkFor: (c) => (c.runtime === binary.name ? join(execRoot, 'sockets', c.id) : join(execRoot, 'runtimes', c.runtime, 'sockets', c.id)),
      log: log.with({ module: 'logs' }),
    });
    const networks = new LocalNetworkService({ manager: network, containers, log: log.with({ module: 'network' }) });
    const volumes = new LocalVolumeService({ store: volumeStore, usersOf: (name) => containers.volumeUsers(name), log: log.with({ module: 'volumes' }) });
    const images = new LocalImageService({
      store: imageStore,
      usersOf: (id) => containers.usersOf(id),
      layerInUse: (chain) => containers.layerInUse(chain),
      log: log.with({ module: 'images' }),
      parents: new ImageParents(meta),
      layerDir: (chainId) => snapshotter.layerDir(chainId),
    });
    const system = new LocalSystemService({
      dataRoot,
      execRoot,
      meta,
      runtime: binary,
      extraRuntimes: Object.entries(options.runtimes ?? {}).map(([name, r]) => ({ name, path: r.path })),
      containerCounts: () => containers.counts(),
      imageCount: async () => (await imageStore.list()).length,
    });
    const execs = new LocalExecService({
      execRoot,
      inspectContainer: (idOrName) => containers.inspect(idOrName),
      runtimeFor: (c) => runtimeFor(c.runtime),
      log: log.with({ module: 'exec' }),
      events,
    });
    // Health probes are execs as any other: docker publishes their exec_create/exec_start too.
    const publishedExecs = publishExecEvents(execs, containers, events);
    // A removed container's exec records go with it.
    const destroyed = events.subscribe();
    void (async () => {
      for await (const e of destroyed) if (e.type === 'container' && e.action === 'destroy') execs.forgetContainer(e.id);
    })();
    containers.useHealthMonitor(
      new HealthMonitor({
        runProbe: execProbeRunner(() => publishedExecs),
        record: (id, startedAt, health) => containers.recordHealth(id, startedAt, health),
        log: log.with({ module: 'health' }),
      }),
    );
    const registry = new LocalRegistryService({
      registry: createRegistryClient({ ...(options.registry ? { settings: options.registry } : {}), log: log.with({ module: 'registry' }) }),
      blobs,
      meta,
      snapshotter,
      images: imageStore,
      log: log.with({ module: 'registry' }),
    });
    const builds = await createBuildService({
      images: imageStore,
      blobs,
      snapshotter,
      meta,
      containers,
      tmpDir: join(dataRoot, 'build-tmp'),
      log: log.with({ module: 'build' }),
      pull: async (ref, o) => (await registry.pull(ref, o)).image,
    });
    const files = new LocalFileService({ containers, images: imageStore, blobs, log: log.with({ module: 'files' }), parents: new ImageParents(meta) });
    await containers.restore();
    // Volumes left mounted by a crash with no running user; best effort.
    await volumeStore.unmountIdle().catch((err: unknown) => log.warn('unmounting idle volumes failed', { err }));
    // Leftovers of crashed image operations; best effort, a failure only wastes space.
    void imageStore.gc({ layerInUse: (chain) => containers.layerInUse(chain) }).catch((err: unknown) => log.warn('start-up gc failed', { err }));
    // API calls publish docker's events through these wrappers (internal callers, like builds, do not).
    const publishedContainers = publishContainerEvents(containers, events, events);
    const publishedImages = publishImageEvents(images, events);
    return {
      containers: publishedContainers,
      images: publishedImages,
      system,
      volumes: publishVolumeEvents(volumes, events),
      registry: publishRegistryEvents(registry, events),
      networks: publishNetworkEvents(networks, events),
      builds,
      execs: publishedExecs,
      files: publishFileEvents(files, containers, events),
      events,
      stats: new StatsService({ containers }),
      prune: new PruneService({ containers: publishedContainers, images: publishedImages, events }),
      async close() {
        destroyed.close();
        logRotator.close();
        containers.close();
        await network.close();
        meta.close();
      },
    };
  } catch (err) {
    meta.close();
    throw err;
  }
}
