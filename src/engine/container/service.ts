// The container service as the engine's other services and the front doors
// see it: a facade over the pieces of this folder, composed once here in an
// order that needs no setter (the exit watcher reaches the exit recorder, made
// after it, through the one callback a watch/exit/restart/start loop needs).
import type { Container, ContainerSpec, EndpointSpec } from '../../core/types.ts';
import type { Digest } from '../../core/digest.ts';
import type { LogLine } from '../../runtime/index.ts';
import type { ContainerAttachment } from './attach-session.ts';
import type { ContainerService, Filters, WaitCondition } from '../types.ts';
import { ContainerStreams, type LogOptions } from './attach.ts';
import { ContainerContext, type ContainerServiceDeps } from './context.ts';
import { ContainerControl } from './control.ts';
import { createContainer } from './create.ts';
import { ExitRecorder } from './exit.ts';
import { ExitWatcher } from './exit-watch.ts';
import { withFilesystem, type FilesystemOptions } from './filesystem.ts';
import type { ContainerFsView } from './fs-view.ts';
import { ContainerLifecycle } from './lifecycle.ts';
import { ContainerListeners } from './listeners.ts';
import { ContainerNetworkLinks } from './network-links.ts';
import { RootfsPremounts } from './premount.ts';
import { ContainerQuery } from './query.ts';
import type { ContainerRegistry } from './registry.ts';
import { ContainerRemoval } from './remove.ts';
import { RestartScheduler } from './restart.ts';
import { restoreContainers } from './restore.ts';
import { ContainerStarter } from './start.ts';
import { ContainerStopper } from './stop.ts';
import type { TopResult } from './top.ts';
import type { ContainerUpdate } from './update.ts';

export class LocalContainers implements ContainerService {
  readonly #ctx: ContainerContext;
  readonly #streams: ContainerStreams;
  readonly #watcher: ExitWatcher;
  readonly #exits: ExitRecorder;
  readonly #restarts: RestartScheduler;
  readonly #stopper: ContainerStopper;
  readonly #removal: ContainerRemoval;
  readonly #lifecycle: ContainerLifecycle;
  readonly #networks: ContainerNetworkLinks;
  readonly #query: ContainerQuery;
  readonly #control: ContainerControl;
  readonly #premounts: RootfsPremounts;

  /** `registry` holds the records (made first by the composition root, so that health and execs can read them). */
  constructor(deps: ContainerServiceDeps & { readonly registry: ContainerRegistry }) {
    const ctx = (this.#ctx = new ContainerContext(deps, deps.registry, new ContainerListeners()));
    const streams = (this.#streams = new ContainerStreams(ctx));
    const watcher = (this.#watcher = new ExitWatcher(ctx, (id, status) => this.#exits.onExit(id, status)));
    const starter = new ContainerStarter(ctx, { watcher, attaches: streams });
    const restarts = (this.#restarts = new RestartScheduler(ctx, starter));
    const stopper = (this.#stopper = new ContainerStopper(ctx, { restarts, watcher }));
    const removal = (this.#removal = new ContainerRemoval(ctx, { stopper, restarts, watcher, attaches: streams }));
    this.#lifecycle = new ContainerLifecycle(ctx, { starter, restarts, stopper, removal });
    this.#exits = new ExitRecorder(ctx, { restarts, removal });
    this.#networks = new ContainerNetworkLinks(ctx);
    this.#query = new ContainerQuery(ctx);
    this.#control = new ContainerControl(ctx);
    this.#premounts = new RootfsPremounts(ctx);
  }

  /** Re-arms watchers for containers still running, records exits that happened while berthd was away. */
  async restore(): Promise<void> {
    await this.#ctx.initSpares();
    return restoreContainers(this.#ctx, { watcher: this.#watcher, exits: this.#exits, restarts: this.#restarts, lifecycle: this.#lifecycle, removal: this.#removal });
  }

  /** Stops watchers, health checks and pending restarts (containers keep running), then lets the removals under way end. */
  async close(): Promise<void> {
    this.#ctx.close();
    await this.#ctx.closeSpares();
    this.#ctx.d.health?.close();
    this.#restarts.close();
    this.#watcher.close();
    await this.#premounts.close();
    await this.#ctx.purges.settled();
  }

  /** Resolves once the removals under way have deleted what the container left (its runtime state, rootfs, bundle). */
  removalsSettled(): Promise<void> {
    return this.#ctx.purges.settled();
  }

  async create(spec: ContainerSpec, options: { name?: string; logPath?: string } = {}): Promise<{ id: string; warnings: string[] }> {
    const created = await createContainer(this.#ctx, spec, options);
    this.#premounts.begin(created.id);
    return created;
  }
  start(idOrName: string): Promise<boolean> {
    return this.#lifecycle.start(idOrName);
  }
  stop(idOrName: string, options: { timeout?: number; signal?: string } = {}): Promise<boolean> {
    return this.#stopper.stop(idOrName, options);
  }
  kill(idOrName: string, signal?: string): Promise<void> {
    return this.#stopper.kill(idOrName, signal);
  }
  restart(idOrName: string, options: { timeout?: number; signal?: string } = {}): Promise<void> {
    return this.#lifecycle.restart(idOrName, options);
  }
  async wait(idOrName: string, condition: WaitCondition, signal?: AbortSignal): Promise<{ exitCode: number; error?: string }> {
    return this.#ctx.listeners.wait(this.#ctx.reg.find(idOrName), condition, signal);
  }
  remove(idOrName: string, options: { force?: boolean; volumes?: boolean; purged?: boolean } = {}): Promise<void> {
    return this.#removal.remove(idOrName, options);
  }
  removeLink(name: string): Promise<void> {
    return this.#networks.removeLink(name);
  }
  list(options: { all?: boolean; limit?: number; size?: boolean; filters?: Filters } = {}): Promise<Container[]> {
    return this.#query.list(options);
  }
  inspect(idOrName: string, options: { size?: boolean } = {}): Promise<Container> {
    return this.#query.inspect(idOrName, options);
  }
  logs(idOrName: string, options: LogOptions): AsyncIterable<LogLine> {
    return this.#streams.logs(idOrName, options);
  }
  attach(idOrName: string, options: { signal?: AbortSignal } = {}): AsyncIterable<LogLine> {
    return this.#streams.attach(idOrName, options);
  }
  attachStdio(idOrName: string, options: { stdin: boolean }): Promise<ContainerAttachment> {
    return this.#streams.attachStdio(idOrName, options);
  }
  resize(idOrName: string, size: { height: number; width: number }): Promise<void> {
    return this.#streams.resize(idOrName, size);
  }
  pause(idOrName: string): Promise<void> {
    return this.#stopper.pause(idOrName);
  }
  unpause(idOrName: string): Promise<void> {
    return this.#stopper.unpause(idOrName);
  }
  rename(idOrName: string, newName: string): Promise<void> {
    return this.#control.rename(idOrName, newName);
  }
  top(idOrName: string, psArgs = ''): Promise<TopResult> {
    return this.#control.top(idOrName, psArgs);
  }
  update(idOrName: string, u: ContainerUpdate): Promise<{ warnings: string[] }> {
    return this.#control.update(idOrName, u);
  }

  /** docker network connect: records the endpoint request; a running container is connected at once. */
  connectNetwork(idOrName: string, networkName: string, endpoint: EndpointSpec): Promise<void> {
    return this.#networks.connect(idOrName, networkName, endpoint);
  }
  /** docker network disconnect: a running container loses the endpoint at once. */
  disconnectNetwork(idOrName: string, networkName: string): Promise<void> {
    return this.#networks.disconnect(idOrName, networkName);
  }
  /** Runs `fn` over the container's filesystem (cp, export, diff, commit); see filesystem.ts. */
  withFilesystem<T>(idOrName: string, fn: (view: ContainerFsView) => Promise<T>, options: FilesystemOptions = {}): Promise<T> {
    return withFilesystem(this.#ctx, idOrName, fn, options);
  }
  volumeUsers(name: string): string[] {
    return this.#ctx.reg.volumeUsers(name);
  }
  networkUsers(networkName: string): Container[] {
    return this.#ctx.reg.networkUsers(networkName);
  }
  usersOf(imageId: string): Container[] {
    return this.#ctx.reg.usersOf(imageId);
  }
  layerInUse(chainId: Digest): boolean {
    return this.#ctx.reg.layerInUse(chainId);
  }
  counts(): { total: number; running: number; paused: number; stopped: number } {
    return this.#ctx.reg.counts();
  }
}
