// What the pieces of the container service share: their collaborators (the
// deps the composition root hands over), the record registry, the exit and
// removal listeners, the purges of removed containers, and where each
// container's files and runtime are.
import { join } from 'node:path';
import { isNotFound } from '../../core/errors.ts';
import type { Container } from '../../core/types.ts';
import type { Digest } from '../../core/digest.ts';
import type { Image, LocalImageStore } from '../../image/index.ts';
import type { Logger } from '../../lib/logger.ts';
import { SpareDirs } from '../../lib/index.ts';
import type { ContainerRuntime } from '../../runtime/index.ts';
import type { MetadataStore, Snapshotter } from '../../store/index.ts';
import type { ContainerNetworking } from '../../network/index.ts';
import type { EventPublisher } from '../events/events.ts';
import type { ContainerMounts } from './mounts.ts';
import type { ContainerRegistry, StoredContainer } from './registry.ts';
import type { ContainerListeners } from './listeners.ts';
import { PurgeQueue } from './purges.ts';

export type { StoredContainer };

/** The health checker as the container service drives it: one checker per running container. */
export interface HealthRole {
  /** Starts checking a container that just started (`keep`: it was found running at berthd start, keep its health). */
  start(c: Container, options?: { keep?: boolean }): void;
  /** Stops checking (the container exited or is being removed). */
  stop(id: string): void;
  /** Stops every check (berthd shuts down). */
  close(): void;
}

export interface ContainerServiceDeps {
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly meta: MetadataStore;
  readonly images: LocalImageStore;
  readonly snapshotter: Snapshotter;
  /** The daemon's default runtime (its name is what containers get unless they ask for another). */
  readonly runtime: ContainerRuntime;
  /** The runtime for a container's `runtime` name; InvalidArgument for an unknown name. */
  readonly runtimeFor: (name: string) => Promise<ContainerRuntime>;
  readonly log: Logger;
  /** Binds, volumes and tmpfs mounts: resolved at create, mounted at start, let go at exit. */
  readonly mounts: ContainerMounts;
  /** CNI networks; absent: containers get a netns with loopback only. */
  readonly network?: ContainerNetworking;
  /** docker's events that no API call causes (`die`, `oom`, `health_status`); absent: none. */
  readonly events?: EventPublisher;
  /** Runs health checks of running containers; absent: none are run. */
  readonly health?: HealthRole;
}

export class ContainerContext {
  readonly d: ContainerServiceDeps;
  readonly reg: ContainerRegistry;
  readonly listeners: ContainerListeners;
  /** What removals leave to do once the container is gone for users (remove.ts). */
  readonly purges: PurgeQueue;
  /**
   * Trees made ahead (lib/spare-dirs.ts): a create's two (the container's directory with its etc files, its
   * rootfs's directories with the init layer) and a start's bundle. Off until initSpares() (berthd's start-up).
   */
  readonly spares: { readonly container: SpareDirs; readonly rootfs: SpareDirs; readonly bundle: SpareDirs };
  #closed = false;

  constructor(d: ContainerServiceDeps, reg: ContainerRegistry, listeners: ContainerListeners) {
    this.d = d;
    this.reg = reg;
    this.listeners = listeners;
    this.purges = new PurgeQueue(d.log);
    this.spares = {
      container: new SpareDirs(join(d.dataRoot, 'spares', 'containers')),
      rootfs: new SpareDirs(join(d.dataRoot, 'spares', 'rootfs')),
      bundle: new SpareDirs(join(d.execRoot, 'spares', 'bundles')),
    };
  }

  /** Empties the spares' staging (a crash's leftovers go) and turns them on. */
  async initSpares(): Promise<void> {
    const { container, rootfs, bundle } = this.spares;
    await Promise.all([container.init(join(this.d.dataRoot, 'containers')), rootfs.init(this.d.snapshotter.rootfsRoot), bundle.init(join(this.d.execRoot, 'containers'))]);
  }

  /** Waits for the spares being made. */
  async closeSpares(): Promise<void> {
    await Promise.all(Object.values(this.spares).map((s) => s.close()));
  }

  /** berthd is shutting down: no new exits are recorded, no restarts nor health checks begin. */
  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    this.#closed = true;
  }

  /** The runtime a container was created with. */
  rt(id: string): Promise<ContainerRuntime> {
    const c = this.reg.get(id);
    return !c || c.runtime === this.d.runtime.binary.name ? Promise.resolve(this.d.runtime) : this.d.runtimeFor(c.runtime);
  }

  containerDir(id: string): string {
    return join(this.d.dataRoot, 'containers', id);
  }

  bundleDir(id: string): string {
    return join(this.d.execRoot, 'containers', id);
  }

  /** Snapshotter wants the lower dirs top first; the image lists its chain bottom first. */
  lowerChain(image: Image): Digest[] {
    return [...image.chain].reverse();
  }

  /**
   * Mounts c's rootfs (idempotent); resolves with its path. A layer kept only as a blob (a load) or whose
   * snapshot a crash lost fails the mount: the image (if still there) unpacks it, and the mount is tried once
   * more (a failure for another reason fails again, as it is).
   */
  async mountRootfs(c: Container, lowerChain: readonly Digest[]): Promise<string> {
    const { snapshotter, images } = this.d;
    return snapshotter.mountRootfs(c.id, lowerChain).catch(async (err: unknown) => {
      await images.ensureUnpacked(c.imageId).catch((e: unknown) => {
        throw isNotFound(e) ? err : e;
      });
      return snapshotter.mountRootfs(c.id, lowerChain);
    });
  }
}
