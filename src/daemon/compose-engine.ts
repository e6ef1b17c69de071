// composeEngine: berthd's composition of the engine — opens the stores and
// the runtimes under the data and exec roots, and builds each service with
// its collaborators in an order that needs no setter: the container registry
// first, then execs (which read it), health checks (probes are execs), the
// container service (which drives health), and the services over it.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createImageStore } from '../image/index.ts';
import type { Logger } from '../lib/logger.ts';
import { openBlobStore, openMetadataStore, openSnapshotter } from '../store/index.ts';
import type { VolumeStore } from '../volume/index.ts';
import { createRegistryClient, type RegistrySettings } from '../registry/index.ts';
import type { NetworkManager, PodNetworking } from '../network/index.ts';
import { createBuildService, ImageParents } from '../build/index.ts';
import type { Engine } from '../engine/index.ts';
import {
  ContainerMounts,
  ImageMounts,
  ContainerRegistry,
  EventBus,
  execProbeRunner,
  HealthMonitor,
  healthRecorder,
  LocalContainers,
  LocalExecService,
  LocalFileService,
  LocalImageService,
  LocalNetworkService,
  LocalRegistryService,
  LocalSystemService,
  LocalVolumeService,
  LogReopener,
  LogRotator,
  PruneService,
  publishContainerEvents,
  publishExecEvents,
  publishFileEvents,
  publishImageEvents,
  publishNetworkEvents,
  publishRegistryEvents,
  publishVolumeEvents,
  StatsService,
} from '../engine/index.ts';
import { openRuntimes } from './runtimes.ts';

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
  /** The volume store and the network manager (made by main.ts); the engine's close() closes the network manager. */
  readonly volumeStore: VolumeStore;
  readonly network: NetworkManager;
  /** Pod networks for the CRI front door (made by main.ts when berthd serves the CRI). */
  readonly podNetworks?: PodNetworking;
}

export async function composeEngine(options: EngineOptions): Promise<Engine> {
  const { dataRoot, execRoot, log } = options;
  await mkdir(join(dataRoot, 'containers'), { recursive: true, mode: 0o710 });
  await mkdir(join(execRoot, 'containers'), { recursive: true, mode: 0o700 });
  const meta = openMetadataStore(join(dataRoot, 'berth.db'));
  try {
    const blobs = await openBlobStore(dataRoot);
    const snapshotter = await openSnapshotter(dataRoot);
    const imageStore = await createImageStore({ blobs, meta, snapshotter, log: log.with({ module: 'image' }) });
    const { runtime, runtimeFor } = await openRuntimes({ execRoot, ...(options.runtime !== undefined ? { runtime: options.runtime } : {}), ...(options.runtimes !== undefined ? { runtimes: options.runtimes } : {}) });
    log.info('runtime selected', { runtime: runtime.binary.name, path: runtime.binary.path });

    const { volumeStore, network } = options;
    const imageMounts = new ImageMounts({ images: imageStore, snapshotter, log: log.with({ module: 'volumes' }) });
    // `system` (below) asks the default runtime for its features once; binds ask at a start, after this function returned.
    const mounts = new ContainerMounts({ store: volumeStore, images: imageMounts, log: log.with({ module: 'volumes' }), features: (): Promise<{ readonly recursiveReadOnlyMounts: boolean }> => system.runtimeFeatures() });
    const events = new EventBus();
    const records = new ContainerRegistry({ meta, log: log.with({ module: 'containers' }) });
    const inspectRecord = async (idOrName: string) => records.find(idOrName);
    const execs = new LocalExecService({ execRoot, inspectContainer: inspectRecord, runtimeFor: (c) => runtimeFor(c.runtime), log: log.with({ module: 'exec' }), events });
    // Health probes are execs as any other: docker publishes their exec_create/exec_start too.
    const publishedExecs = publishExecEvents(execs, { inspect: inspectRecord }, events);
    const health = new HealthMonitor({ runProbe: execProbeRunner(publishedExecs), record: healthRecorder(records, events), log: log.with({ module: 'health' }) });
    const containers = new LocalContainers({ registry: records, dataRoot, execRoot, meta, images: imageStore, snapshotter, runtime, runtimeFor, log: log.with({ module: 'containers' }), mounts, network, events, health });
    // conmon caps each log file; the rotator keeps the files it replaces (see log-rotation.ts),
    // and rotates by size the logs of containers whose conmon does not cap them (started before that).
    const logRotator = new LogRotator({ running: () => containers.list(), runtimeFor: (c) => runtimeFor(c.runtime), log: log.with({ module: 'logs' }) });
    const networks = new LocalNetworkService({ manager: network, containers, log: log.with({ module: 'network' }) });
    const volumes = new LocalVolumeService({ store: volumeStore, usersOf: (name) => containers.volumeUsers(name), log: log.with({ module: 'volumes' }) });
    const images = new LocalImageService({
      store: imageStore,
      usersOf: (id) => containers.usersOf(id),
      layerInUse: (chain) => containers.layerInUse(chain),
      removalsSettled: () => containers.removalsSettled(),
      log: log.with({ module: 'images' }),
      parents: new ImageParents(meta),
      layerDir: (chainId) => snapshotter.layerDir(chainId),
    });
    const system = new LocalSystemService({
      dataRoot,
      execRoot,
      meta,
      runtime: runtime.binary,
      extraRuntimes: Object.entries(options.runtimes ?? {}).map(([name, r]) => ({ name, path: r.path })),
      containerCounts: () => containers.counts(),
      imageCount: async () => (await imageStore.list()).length,
      registryMirrors: options.registry?.mirrors?.['docker.io'] ?? [],
    });
    // A removed container's exec records go with it.
    const destroyed = events.subscribe();
    void (async () => {
      for await (const e of destroyed) if (e.type === 'container' && e.action === 'destroy') execs.forgetContainer(e.id);
    })();
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
      runDir: join(execRoot, 'builds'),
      log: log.with({ module: 'build' }),
      pull: async (ref, o) => (await registry.pull(ref, o)).image,
    });
    const files = new LocalFileService({ containers, images: imageStore, blobs, log: log.with({ module: 'files' }), parents: new ImageParents(meta) });
    await containers.restore();
    // RUN containers of builds that died with the last berthd: nobody will diff or remove them.
    await builds.reapInterrupted().catch((err: unknown) => log.warn('ending interrupted build containers failed', { err }));
    // Volumes left mounted by a crash with no running user; best effort.
    await volumeStore.unmountIdle().catch((err: unknown) => log.warn('unmounting idle volumes failed', { err }));
    // Leftovers of crashed image operations; best effort, a failure only wastes space.
    void imageStore.gc({ layerInUse: (chain) => containers.layerInUse(chain) }).then(
      (r) => log.info('start-up gc done', { layers: r.layers.length, blobs: r.blobs.length }),
      (err: unknown) => log.warn('start-up gc failed', { err }),
    );
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
      logFiles: new LogReopener({
        inspect: (x) => containers.inspect(x),
        reopenLog: async (c) => {
          const rt = await runtimeFor(c.runtime);
          if (!rt.reopenLog) throw new Error(`the ${c.runtime} runtime cannot reopen a container's log`);
          await rt.reopenLog(c.id);
        },
      }),
      ...(options.podNetworks ? { podNetworks: options.podNetworks } : {}),
      async close() {
        // Builds first: a cancelled build removes its RUN container through the container service.
        await builds.close();
        destroyed.close();
        logRotator.close();
        await containers.close();
        await network.close();
        meta.close();
      },
    };
  } catch (err) {
    meta.close();
    throw err;
  }
}
