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
import { LocalImageService } from './images.ts';
import { LocalSystemService } from './system.ts';
import type { Engine } from './types.ts';

export interface EngineOptions {
  readonly dataRoot: string;
  readonly execRoot: string;
  /** Preferred OCI runtime name or path (`runc`, `crun`); detected when absent. */
  readonly runtime?: string;
  /** Extra runtimes by name (daemon.json `runtimes`); `runc` and `crun` are known by name anyway. */
  readonly runtimes?: Readonly<Record<string, { path: string }>>;
  readonly log: Logger;
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
        const configured = options.runtimes?.[name]?.path;
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

    const containers = new LocalContainerService({ dataRoot, execRoot, meta, images: imageStore, snapshotter, runtime, runtimeFor, log: log.with({ module: 'containers' }) });
    const images = new LocalImageService({
      store: imageStore,
      usersOf: (id) => containers.usersOf(id),
      layerInUse: (chain) => containers.layerInUse(chain),
      log: log.with({ module: 'images' }),
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
    await containers.restore();
    // Leftovers of crashed image operations; best effort, a failure only wastes space.
    void imageStore.gc({ layerInUse: (chain) => containers.layerInUse(chain) }).catch((err: unknown) => log.warn('start-up gc failed', { err }));
    return {
      containers,
      images,
      system,
      async close() {
        containers.close();
        meta.close();
      },
    };
  } catch (err) {
    meta.close();
    throw err;
  }
}
