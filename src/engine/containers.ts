// The container half of the engine: create/start/stop/kill/restart/wait/remove,
// listing and logs, the per-container exit watcher, and the start-up restore.
// Public methods guard (lock, re-read, check the transition), private #do*
// methods act and persist through the MetadataStore.
import type { EventPublisher } from './events.ts';
import { containerAttributes } from './event-publishing.ts';
import { readRotatedLogs, validateLogConfig } from './log-rotation.ts';
import { access, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hostname as osHostname } from 'node:os';
import { conflict, errorMessage, internal, invalidArgument, isNotFound, notFound } from '../core/errors.ts';
import { isFullId, isIdPrefix, newId, validContainerName } from '../core/ids.ts';
import type { Container, ContainerSpec, ContainerState, EndpointSpec, NetworkState } from '../core/types.ts';
import type { Digest } from '../core/digest.ts';
import type { Image, LocalImageStore } from '../image/index.ts';
import { KeyedMutex } from '../lib/keyed-mutex.ts';
import type { Logger } from '../lib/logger.ts';
import type { ContainerRuntime, ExitStatus, LogLine, OciMount, SpecInput } from '../runtime/index.ts';
import { buildSpec, classifyStartError, defaultCapabilities, readLogs, resolveUser, specToJson, tweakCapabilities } from '../runtime/index.ts';
import type { MetadataStore, Snapshotter } from '../store/index.ts';
import { mergeEnv, mergeImageConfig } from './container-config.ts';
import { containerMatches, validateContainerFilters } from './container-filters.ts';
import type { ContainerMounts } from './container-mounts.ts';
import { hostsFile, resolvConf } from './etc-files.ts';
import { attachRequest, networksOf, primaryNetwork, specAfterConnect, specAfterDisconnect, writeNetworkEtcFiles } from './container-network.ts';
import type { ContainerNetworking } from '../network/index.ts';
import { generateName } from './names.ts';
import { AttachSession, type ContainerAttachment } from './attach-session.ts';
import { containerTop, type TopResult } from './top.ts';
import { parseSignal } from './signals.ts';
import { nowNano, zeroTime } from './time.ts';
import { decideRestart, restartOnDaemonStart } from './restart-policy.ts';
import type { HealthMonitor } from './health.ts';
import { groupAddGids, seccompProfilePath, withInit } from './spec-extras.ts';
import { checkCreateFields, checkVolumeDriver, isDaemonStartError, resolvePidMode } from './create-checks.ts';
import { initLayerSize, writeInitLayer } from './init-layer.ts';
import { checkLinks, resolveLinks, type ResolvedLinks } from './container-links.ts';
import { applyUpdate, changesResources, updateResources, type ContainerUpdate } from './container-update.ts';
import type { ContainerService, Filters, WaitCondition } from './types.ts';
import type { ContainerFsView } from './container-fs-view.ts';

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
}

const defaultPath = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const defaultShmSize = 64 * 1024 * 1024;
const defaultStopTimeout = 10;

type Listener = (c: Container) => void;

/** What the store keeps per container: the Container plus the layer chain its rootfs sits on (top first), so that it still starts after its image was force-removed. */
type StoredContainer = Container & { readonly lowerChain?: readonly Digest[]; readonly manuallyStopped?: boolean };

export class LocalContainerService implements ContainerService {
  readonly #d: ContainerServiceDeps;
  readonly #lock = new KeyedMutex();
  readonly #byId = new Map<string, StoredContainer>();
  readonly #byName = new Map<string, string>();
  readonly #watchers = new Map<string, AbortController>();
  readonly #exitListeners = new Map<string, Set<Listener>>();
  readonly #removeListeners = new Map<string, Set<Listener>>();
  readonly #removing = new Set<string>();
  /** Attachments waiting for the next start of their container (docker attaches before it starts). */
  readonly #pendingAttach = new Map<string, Set<AttachSession>>();
  /** Restarts by policy waiting out their back-off. */
  readonly #restartTimers = new Map<string, NodeJS.Timeout>();
  /** The back-off used before each container's last restart by policy (ms). */
  readonly #restartDelay = new Map<string, number>();
  /** Runs health checks of running containers; set by the engine once execs exist. */
  #health: HealthMonitor | undefined;
  #closed = false;

  constructor(deps: ContainerServiceDeps) {
    this.#d = deps;
    for (const row of deps.meta.listContainers()) {
      try {
        const c = JSON.parse(row.json) as StoredContainer;
        this.#byId.set(c.id, c);
        this.#byName.set(c.name, c.id);
      } catch (err) {
        deps.log.error('skipping unreadable container record', { container: row.id, err });
      }
    }
  }

  /** Hands over the health checker (it needs execs, which need this service). Call before restore(). */
  useHealthMonitor(monitor: HealthMonitor): void {
    this.#health = monitor;
  }

  /** Records a health check result of the run that started at `startedAt`; a stale one (the container stopped or restarted) is dropped. */
  recordHealth(id: string, startedAt: string, health: NonNullable<ContainerState['health']>): void {
    const c = this.#byId.get(id);
    if (!c || (c.state.status !== 'running' && c.state.status !== 'paused') || c.state.startedAt !== startedAt) return;
    const changed = c.state.health?.status !== health.status;
    const next = this.#setState(c, { health });
    if (changed && health.status !== 'starting') this.#d.events?.publish({ type: 'container', action: `health_status: ${health.status}`, id, attributes: containerAttributes(next) });
  }

  /** Ids of containers (any state) that mount the named volume. */
  volumeUsers(name: string): string[] {
    return [...this.#byId.values()].filter((c) => c.mountPoints?.some((m) => m.type === 'volume' && m.name === name)).map((c) => c.id);
  }

  /** Containers (any state) on a network, by its name. */
  networkUsers(networkName: string): Container[] {
    return [...this.#byId.values()].filter((c) => networksOf(c.spec).includes(networkName));
  }

  /** docker network connect: records the endpoint request; a running container is connected at once. */
  async connectNetwork(idOrName: string, networkName: string, endpoint: EndpointSpec): Promise<void> {
    const { id } = this.#find(idOrName);
    await this.#lock.run(id, async () => {
      let c = this.#find(id);
      const mode = c.spec.host.networkMode;
      if (mode === 'host' || mode.startsWith('container:')) throw invalidArgument('container sharing network namespace with another container or host cannot be connected to any other network');
      if (primaryNetwork(c.spec) === undefined) throw invalidArgument('container cannot be connected to multiple networks with one of the networks in private (none) mode');
      if (networksOf(c.spec).includes(networkName)) throw conflict(`endpoint with name ${c.name} already exists in network ${networkName}`);
      if (c.state.status === 'running' && c.network && this.#d.network) {
        const network = await this.#d.network.connect(id, networkName, endpoint);
        c = this.#setState(c, {}, { network });
      }
      this.#save({ ...c, spec: specAfterConnect(c.spec, networkName, endpoint) });
    });
  }

  /** docker network disconnect: a running container loses the endpoint at once; the network mode stays (no network left: loopback only). */
  async disconnectNetwork(idOrName: string, networkName: string): Promise<void> {
    const { id } = this.#find(idOrName);
    await this.#lock.run(id, async () => {
      let c = this.#find(id);
      if (!networksOf(c.spec).includes(networkName)) throw conflict(`container ${c.id} is not connected to network ${networkName}`);
      if (c.state.status === 'running' && c.network && this.#d.network) {
        const network = await this.#d.network.disconnect(id, networkName);
        if (network) c = this.#setState(c, {}, { network });
      }
      this.#save({ ...c, spec: specAfterDisconnect(c.spec, networkName) });
    });
  }

  /** Ids of containers using an image, with their status (for image removal checks). */
  usersOf(imageId: string): Container[] {
    return [...this.#byId.values()].filter((c) => c.imageId === imageId);
  }

  counts(): { total: number; running: number; paused: number; stopped: number } {
    let running = 0;
    let paused = 0;
    for (const c of this.#byId.values()) {
      if (c.state.status === 'running') running++;
      else if (c.state.status === 'paused') paused++;
    }
    return { total: this.#byId.size, running, paused, stopped: this.#byId.size - running - paused };
  }

  // ---- restore -------------------------------------------------------------

  /** Re-arms watchers for containers still running, records exits that happened while berthd was away. */
  async restore(): Promise<void> {
    for (const c of [...this.#byId.values()]) {
      if (c.state.status === 'created' || c.state.status === 'exited') {
        await this.#restoreInterruptedStart(c);
        continue;
      }
      if (c.state.status !== 'running' && c.state.status !== 'paused') continue;
      try {
        const rt = await this.#rt(c.id);
        const exit = await rt.exitStatus(c.id);
        const st = exit ? undefined : await rt.state(c.id);
        if (exit) {
          this.#d.log.info('container exited while berthd was down', { container: c.id, exitCode: exit.exitCode });
          await this.#onExit(c.id, exit);
        } else if (st && (st.status === 'running' || st.status === 'paused' || st.status === 'created')) {
          this.#d.log.info('re-attached to running container', { container: c.id, pid: st.pid });
          await this.#d.mounts.reacquire(c);
          this.#watch(c.id);
          if (!this.#closed) this.#health?.start(c, { keep: true });
        } else {
          // Neither an exit file nor a live process: docker records 255 for a lost container.
          await this.#onExit(c.id, { exitCode: 255, oomKilled: false, finishedAt: nowNano() });
        }
      } catch (err) {
        this.#d.log.error('could not restore container', { container: c.id, err });
      }
    }
    this.#restartOnDaemonStart();
  }

  /** Starts the stopped containers whose restart policy says so now that berthd runs (docker's rules). */
  #restartOnDaemonStart(): void {
    for (const c of this.#byId.values()) {
      if (this.#restartTimers.has(c.id) || c.spec.host.autoRemove) continue;
      const st = c.state;
      const wanted =
        st.status === 'restarting' ||
        (st.status === 'exited' &&
          st.startedAt !== zeroTime &&
          restartOnDaemonStart({ policy: c.spec.host.restartPolicy, exitCode: st.exitCode, restartCount: c.restartCount, manuallyStopped: c.manuallyStopped ?? false }));
      if (!wanted) continue;
      this.#d.log.info('starting container by its restart policy', { container: c.id, policy: c.spec.host.restartPolicy.name });
      const starting = st.status === 'restarting' ? this.#restartByPolicy(c.id) : this.start(c.id).then((started) => {
        const cur = this.#byId.get(c.id);
        if (started && cur) this.#d.events?.publish({ type: 'container', action: 'start', id: c.id, attributes: containerAttributes(cur) });
      });
      starting.catch((err: unknown) => this.#d.log.warn('restart on berthd start failed', { container: c.id, err: errorMessage(err) }));
    }
  }

  /**
   * berthd died between the runtime starting a container and the record saying
   * so: adopt a live process, clear a dead one's runtime state.
   */
  async #restoreInterruptedStart(c: StoredContainer): Promise<void> {
    // Only a start that got as far as writing the bundle can have left a process behind.
    if (!(await access(this.#bundleDir(c.id)).then(() => true, () => false))) return;
    try {
      const rt = await this.#rt(c.id);
      const st = await rt.state(c.id);
      if (!st) {
        await rm(this.#bundleDir(c.id), { recursive: true, force: true });
        return;
      }
      if (st.status === 'running' || st.status === 'paused') {
        this.#d.log.warn('adopting a container started just before berthd stopped', { container: c.id, pid: st.pid });
        this.#setState(c, { status: 'running', pid: st.pid, startedAt: nowNano(), finishedAt: zeroTime, exitCode: 0, error: '' });
        this.#watch(c.id);
      } else {
        await rt.delete(c.id, { force: true });
        await rt.cleanup(c.id);
        await this.#d.snapshotter.unmountRootfs(c.id);
        await rm(this.#bundleDir(c.id), { recursive: true, force: true });
      }
    } catch (err) {
      this.#d.log.error('could not restore container', { container: c.id, err });
    }
  }

  close(): void {
    this.#closed = true;
    this.#health?.close();
    for (const t of this.#restartTimers.values()) clearTimeout(t);
    this.#restartTimers.clear();
    for (const ac of this.#watchers.values()) ac.abort();
    this.#watchers.clear();
  }

  // ---- lookup --------------------------------------------------------------

  #find(idOrName: string): StoredContainer {
    const key = idOrName.startsWith('/') ? idOrName.slice(1) : idOrName;
    const exact = this.#byId.get(key);
    if (exact) return exact;
    const byName = this.#byName.get(key);
    if (byName) {
      const c = this.#byId.get(byName);
      if (c) return c;
    }
    if (key !== '' && isIdPrefix(key) && !isFullId(key)) {
      const matches = [...this.#byId.keys()].filter((id) => id.startsWith(key));
      if (matches.length > 1) throw invalidArgument(`multiple IDs found with provided prefix: ${key}`);
      const c = matches[0] === undefined ? undefined : this.#byId.get(matches[0]);
      if (c) return c;
    }
    const linked = this.#linkTarget(key);
    if (linked) return linked;
    throw notFound(`No such container: ${idOrName}`);
  }

  /** A legacy link's name `<container>/<alias>` names the linked container, as in docker's name registry. */
  #linkTarget(key: string): StoredContainer | undefined {
    const slash = key.lastIndexOf('/');
    if (slash <= 0) return undefined;
    const parentId = this.#byName.get(key.slice(0, slash));
    const link = parentId === undefined ? undefined : this.#byId.get(parentId)?.spec.host.links?.find((l) => l.alias === key.slice(slash + 1));
    const childId = link === undefined ? undefined : this.#byName.get(link.name);
    return childId === undefined ? undefined : this.#byId.get(childId);
  }

  #save(c: StoredContainer): StoredContainer {
    const { sizeRw: _rw, sizeRootFs: _rootfs, ...record } = c;
    this.#d.meta.putContainer({ id: c.id, name: c.name, json: JSON.stringify(record) });
    this.#byId.set(c.id, record);
    return record;
  }

  #setState(c: StoredContainer, state: Partial<ContainerState>, extra: Partial<Container> = {}): StoredContainer {
    return this.#save({ ...c, ...extra, state: { ...c.state, ...state } });
  }

  /** The runtime a container was created with. */
  #rt(id: string): Promise<ContainerRuntime> {
    const c = this.#byId.get(id);
    return !c || c.runtime === this.#d.runtime.binary.name ? Promise.resolve(this.#d.runtime) : this.#d.runtimeFor(c.runtime);
  }

  #containerDir(id: string): string {
    return join(this.#d.dataRoot, 'containers', id);
  }

  #bundleDir(id: string): string {
    return join(this.#d.execRoot, 'containers', id);
  }

  #lowerChain(image: Image): Digest[] {
    // Snapshotter wants the lower dirs top first; the image lists its chain bottom first.
    return [...image.chain].reverse();
  }

  /**
   * Runs `fn` over the container's filesystem (cp, export, diff, commit): a
   * running or paused container through /proc/<pid>/root, which shows its own
   * mounts; any other under its lock with the rootfs mounted for the call and
   * its binds and volumes crossed by hand, so that a start cannot race the mount.
   */
  async withFilesystem<T>(idOrName: string, fn: (view: ContainerFsView) => Promise<T>): Promise<T> {
    const { id } = this.#find(idOrName);
    const live = (c: StoredContainer) => (c.state.status === 'running' || c.state.status === 'paused') && c.state.pid > 0;
    const cur = this.#find(id);
    const lowerChain = cur.lowerChain ?? this.#lowerChain(await this.#d.images.get(cur.imageId));
    const { merged, upper, lower } = this.#d.snapshotter.rootfsPaths(id, lowerChain);
    if (live(cur)) return fn({ container: cur, root: `/proc/${cur.state.pid}/root`, mounts: [], merged, upper, lower, running: true });
    return this.#lock.run(id, async () => {
      const c = this.#find(id);
      if (live(c)) return fn({ container: c, root: `/proc/${c.state.pid}/root`, mounts: [], merged, upper, lower, running: true });
      // As start does: layers kept only as blobs (a load) are unpacked before the overlay can mount them.
      await this.#d.images.ensureUnpacked(c.imageId).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
      const root = await this.#d.snapshotter.mountRootfs(id, lowerChain);
      try {
        const mounts = (c.mountPoints ?? []).filter((m) => m.type !== 'tmpfs' && m.source !== '').map((m) => ({ destination: m.destination, source: m.source, rw: m.rw }));
        // Once started, the container's own /etc/hostname, /etc/hosts and /etc/resolv.conf, as a running
        // one sees them (dockerd's archive of a stopped container shows them too), unless a bind covers them.
        const started = c.state.startedAt !== '' && c.state.startedAt !== '0001-01-01T00:00:00Z';
        for (const [destination, source] of [['/etc/hostname', c.hostnamePath], ['/etc/hosts', c.hostsPath], ['/etc/resolv.conf', c.resolvConfPath]] as const) {
          if (started && source && !mounts.some((m) => m.destination === destination) && (await stat(source).then((st) => st.isFile(), () => false))) mounts.push({ destination, source, rw: true });
        }
        return await fn({ container: c, root, mounts, merged: root, upper, lower, running: false });
      } finally {
        // Best effort: a mount left behind is unmounted by the next start/exit/remove.
        await this.#d.snapshotter.unmountRootfs(id).catch((err: unknown) => this.#d.log.warn('unmount after file access failed', { container: id, err }));
      }
    });
  }

  /** Whether any container's rootfs sits on this layer (keeps it through image removal and gc). */
  layerInUse(chainId: Digest): boolean {
    for (const c of this.#byId.values()) if (c.lowerChain?.includes(chainId)) return true;
    return false;
  }

  // ---- create --------------------------------------------------------------

  async create(requested: ContainerSpec, options: { name?: string } = {}): Promise<{ id: string; warnings: string[] }> {
    checkCreateFields(requested);
    validateLogConfig(requested.host.logConfig);
    const spec = resolvePidMode(checkLinks(requested, (x) => this.#find(x)), (x) => this.#find(x));
    // Unknown capabilities are refused at create (InvalidArgument), as docker does, not at start.
    tweakCapabilities(defaultCapabilities, spec.host.capAdd, spec.host.capDrop);
    if (spec.stopSignal) parseSignal(spec.stopSignal);
    const image = await this.#d.images.resolve(spec.image);
    const merged = mergeImageConfig(spec, image.config.config);
    checkVolumeDriver(merged.spec);
    // docker refuses a container on a network that does not exist (NotFound `network x not found`).
    for (const n of networksOf(spec)) this.#d.network?.get(n);
    const id = newId();
    const name = this.#reserveName(id, options.name);
    const warnings: string[] = [];
    try {
      const dir = this.#containerDir(id);
      await mkdir(dir, { recursive: true, mode: 0o710 });
      // docker: a host-network container takes the host's name unless given one.
      const hostname = spec.hostname || (spec.host.networkMode === 'host' ? osHostname() : id.slice(0, 12));
      const files = {
        hostnamePath: join(dir, 'hostname'),
        hostsPath: join(dir, 'hosts'),
        resolvConfPath: join(dir, 'resolv.conf'),
        logPath: join(dir, `${id}-json.log`),
      };
      await this.#writeEtcFiles(files, hostname, merged.spec);
      const mountPoints = await this.#d.mounts.resolve(merged.spec, (x) => this.#find(x));
      const lowerChain = this.#lowerChain(image);
      await writeInitLayer((await this.#d.snapshotter.prepareRootfs(id, lowerChain)).upper);
      const c: StoredContainer = {
        id,
        name,
        created: nowNano(),
        imageId: image.id,
        spec: merged.spec,
        path: merged.path,
        args: merged.args,
        env: merged.spec.env,
        hostname,
        state: { status: 'created', pid: 0, exitCode: 0, oomKilled: false, error: '', startedAt: zeroTime, finishedAt: zeroTime },
        restartCount: 0,
        runtime: spec.host.runtime || this.#d.runtime.binary.name,
        ...files,
        lowerChain,
        mountPoints,
      };
      if (spec.host.runtime && spec.host.runtime !== this.#d.runtime.binary.name) await this.#d.runtimeFor(spec.host.runtime);
      this.#save(c);
      this.#d.log.info('container created', { container: id, name, image: image.id });
      return { id, warnings };
    } catch (err) {
      this.#byName.delete(name);
      await this.#d.snapshotter.removeRootfs(id).catch(() => undefined);
      await rm(this.#containerDir(id), { recursive: true, force: true }).catch(() => undefined);
      throw err;
    }
  }

  #reserveName(id: string, requested: string | undefined): string {
    if (requested !== undefined && requested !== '') {
      if (!validContainerName.test(requested)) {
        throw invalidArgument(`Invalid container name (${requested}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
      }
      const name = requested.replace(/^\//, '');
      const holder = this.#byName.get(name);
      if (holder !== undefined) {
        throw conflict(`Conflict. The container name "/${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`);
      }
      this.#byName.set(name, id);
      return name;
    }
    for (let retry = 0; ; retry++) {
      const name = generateName(retry);
      if (!this.#byName.has(name)) {
        this.#byName.set(name, id);
        return name;
      }
    }
  }

  async #writeEtcFiles(files: { hostnamePath: string; hostsPath: string; resolvConfPath: string }, hostname: string, spec: ContainerSpec): Promise<void> {
    const hostNet = spec.host.networkMode === 'host';
    await writeFile(files.hostnamePath, `${hostname}\n`);
    if (hostNet) {
      await writeFile(files.hostsPath, await readFile('/etc/hosts').catch(() => hostsFile({ hostname, extraHosts: spec.host.extraHosts })));
    } else {
      await writeFile(files.hostsPath, hostsFile({ hostname, ...(spec.domainname ? { domainname: spec.domainname } : {}), extraHosts: spec.host.extraHosts }));
    }
    const hostResolv = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
    await writeFile(files.resolvConfPath, hostNet && spec.host.dns.length === 0 ? hostResolv : resolvConf(hostResolv, spec.host));
  }

  // ---- start ---------------------------------------------------------------

  async start(idOrName: string): Promise<boolean> {
    const { id } = this.#find(idOrName);
    try {
      return await this.#startLocked(id);
    } catch (err) {
      // Like dockerd: an auto-remove container that cannot start is removed (the CLI waits for that).
      const c = this.#byId.get(id);
      if (c?.spec.host.autoRemove && c.state.status !== 'running') {
        await this.remove(id, { force: true, volumes: true }).catch((e: unknown) => this.#d.log.warn('auto-remove after failed start failed', { container: id, err: e }));
      }
      throw err;
    }
  }

  #startLocked(id: string): Promise<boolean> {
    return this.#lock.run(id, async () => {
      let c = this.#find(id);
      // docker counts a restarting container as running: start is a no-op.
      if (c.state.status === 'running' || c.state.status === 'restarting') return false;
      if (c.state.status === 'paused') throw conflict('cannot start a paused container, try unpause instead');
      if (this.#removing.has(id) || c.state.status === 'removing') throw conflict(`container is marked for removal and cannot be started`);
      if (c.state.status === 'dead') throw conflict('cannot start a dead container');
      // A start by the user resets the restart policy's count, back-off and manual stop.
      this.#restartDelay.delete(id);
      if (c.restartCount !== 0 || c.manuallyStopped) c = this.#save({ ...c, restartCount: 0, manuallyStopped: false });
      await this.#doStart(c);
      return true;
    });
  }

  async #doStart(c: StoredContainer): Promise<void> {
    const rt = await this.#rt(c.id);
    const id = c.id;
    let networkFailed = false;
    let connecting: Promise<NetworkState> | undefined;
    try {
      const links = resolveLinks(c, (x) => this.#find(x));
      // A bundle left over means a run whose cleanup never happened (a crash): clear its runtime state first.
      if (await access(this.#bundleDir(id)).then(() => true, () => false)) {
        await rt.delete(id, { force: true }).catch(() => undefined);
        await rt.cleanup(id).catch(() => undefined);
      }
      let lowerChain = c.lowerChain;
      if (lowerChain === undefined) lowerChain = this.#lowerChain(await this.#d.images.get(c.imageId));
      // After a crash a layer may be missing its snapshot; the image (if still there) can redo it.
      await this.#d.images.ensureUnpacked(c.imageId).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
      const t0 = performance.now();
      // The netns (and port allocation) is made while the rootfs mounts: both take a while and neither needs the other.
      const netReq = this.#d.network ? attachRequest(c) : undefined;
      const attaching = netReq && this.#d.network ? this.#d.network.prepare(netReq) : Promise.resolve(undefined);
      const [mounted, attached] = await Promise.allSettled([this.#d.snapshotter.mountRootfs(id, lowerChain), attaching]);
      if (attached.status === 'rejected') {
        networkFailed = true;
        throw attached.reason;
      }
      if (mounted.status === 'rejected') throw mounted.reason;
      const rootfs = mounted.value;
      if (attached.value) {
        // The interfaces (CNI ADD) are set up while runc creates the container in the netns; it starts once they are.
        connecting = attached.value.connect();
        connecting.catch(() => undefined); // awaited before start (or in the clean-up below)
        c = this.#setState(c, {}, { network: attached.value.state });
      }
      const t1 = performance.now();
      const input = await this.#specInput(c, rootfs, links);
      const spec = await buildSpec(input);
      const bundle = this.#bundleDir(id);
      await mkdir(bundle, { recursive: true, mode: 0o700 });
      await writeFile(join(bundle, 'config.json'), specToJson(spec));
      const t2 = performance.now();
      // No stdin until attach can feed it (issue 3): a process reading stdin sees EOF instead of hanging.
      const { pid } = await rt.create(id, { bundle, logPath: c.logPath, terminal: c.spec.tty, stdin: c.spec.openStdin, stdinOnce: c.spec.stdinOnce && !c.spec.tty });
      // (docker closes stdin at a client's EOF only without a TTY: a TTY outlives detaching.)
      // Attachments made before start connect now, so that they see all of the output.
      await this.#connectPending(id, rt);
      const size = c.spec.host.consoleSize;
      if (c.spec.tty && size) await rt.resize(id, { height: size[0], width: size[1] }).catch((err: unknown) => this.#d.log.warn('setting the initial console size failed', { container: id, err }));
      if (connecting) {
        const network = await connecting.catch((err: unknown) => {
          networkFailed = true;
          throw err;
        });
        c = this.#setState(c, {}, { network });
        await writeNetworkEtcFiles(c, network, await readFile('/etc/resolv.conf', 'utf8').catch(() => ''), links.hosts);
      }
      const t3 = performance.now();
      // Watch before starting so that no exit is missed.
      this.#watch(id);
      await rt.start(id);
      const t4 = performance.now();
      const started = this.#setState(c, { status: 'running', pid, exitCode: 0, oomKilled: false, error: '', startedAt: nowNano(), finishedAt: zeroTime });
      if (!this.#closed) this.#health?.start(started);
      const ms = (a: number, b: number) => Math.round(b - a);
      this.#d.log.info('container started', { container: id, pid, mountMs: ms(t0, t1), specMs: ms(t1, t2), createMs: ms(t2, t3), startMs: ms(t3, t4) });
    } catch (err) {
      const msg = errorMessage(err);
      const code = classifyStartError(msg);
      this.#endPending(id);
      this.#watchers.get(id)?.abort();
      this.#watchers.delete(id);
      // An interface set-up still running would race the release below.
      await connecting?.catch(() => undefined);
      await rt.delete(id, { force: true }).catch(() => undefined);
      await rt.cleanup(id).catch(() => undefined);
      await this.#d.snapshotter.unmountRootfs(id).catch((e: unknown) => this.#d.log.warn('unmount after failed start', { container: id, err: e }));
      await this.#d.mounts.release(c);
      await this.#releaseNetwork(id);
      await rm(this.#bundleDir(id), { recursive: true, force: true }).catch(() => undefined);
      if (networkFailed) {
        // Network set-up failures are not the runtime's: docker reports them as they are and the container stays as it was.
        const netText = msg.includes('port is already allocated') || msg === 'all ports are allocated' ? `driver failed programming external connectivity on endpoint ${c.name} (${id}): ${msg}` : msg;
        this.#setState(this.#find(id), { error: netText, exitCode: 128 });
        this.#d.log.warn('container network set-up failed', { container: id, err: msg });
        throw internal(netText, err);
      }
      // The daemon's own spec errors (a missing --device) come as they are in docker; the runtime's are wrapped.
      const text = isDaemonStartError(msg) ? msg : `failed to create task for container: failed to create shim task: OCI runtime create failed: ${msg.replace(/: unknown$/, '')}: unknown`;
      // docker leaves the container in its previous state with the error and 127/126/128 recorded.
      this.#setState(this.#find(id), { error: text, exitCode: code === 125 ? 128 : code });
      this.#d.log.warn('container failed to start', { container: id, err: msg });
      throw code === 126 || code === 127 ? invalidArgument(text, err) : internal(text, err);
    }
  }

  /** Detaches the container from its networks (best effort: logged) and clears its network state. */
  async #releaseNetwork(id: string): Promise<void> {
    await this.#d.network?.detach(id).catch((err: unknown) => this.#d.log.warn('network detach failed', { container: id, err: errorMessage(err) }));
    const cur = this.#byId.get(id);
    if (cur?.network) {
      const { network: _gone, ...rest } = cur;
      this.#save(rest);
    }
  }

  async #specInput(c: Container, rootfs: string, links: ResolvedLinks): Promise<SpecInput> {
    const h = c.spec.host;
    const baseUser = await resolveUser(rootfs, c.spec.user ?? '');
    const extraGids = await groupAddGids(rootfs, h.groupAdd ?? []);
    const user = extraGids.length === 0 ? baseUser : { ...baseUser, additionalGids: [...baseUser.additionalGids, ...extraGids.filter((g) => !baseUser.additionalGids.includes(g))] };
    const init = h.init ? withInit([c.path, ...c.args]) : undefined;
    const mounts = await this.#mounts(c, rootfs);
    const env = mergeEnv(mergeEnv([defaultPath, `HOSTNAME=${c.hostname}`, ...(c.spec.tty ? ['TERM=xterm'] : [])], links.env), c.env);
    let network: SpecInput['network'] = c.network ? { mode: 'path', path: c.network.sandboxKey } : { mode: 'new' };
    if (h.networkMode === 'host') network = { mode: 'host' };
    else if (h.networkMode.startsWith('container:')) {
      const other = this.#find(h.networkMode.slice('container:'.length));
      if (other.state.status !== 'running') throw conflict(`cannot join network of a non running container: ${other.id}`);
      network = { mode: 'path', path: other.network?.sandboxKey ?? `/proc/${other.state.pid}/ns/net` };
    }
    const securityOpt = h.securityOpt;
    const seccomp = await seccompProfilePath(securityOpt.find((o) => o.startsWith('seccomp=') || o.startsWith('seccomp:'))?.slice('seccomp='.length), this.#containerDir(c.id));
    const noNewPrivileges = securityOpt.some((o) => o === 'no-new-privileges' || o === 'no-new-privileges:true' || o === 'no-new-privileges=true');
    return {
      containerId: c.id,
      rootfs,
      readonlyRootfs: h.readonlyRootfs,
      args: init ? init.args : [c.path, ...c.args],
      env,
      cwd: c.spec.workingDir || '/',
      user,
      terminal: c.spec.tty,
      hostname: c.hostname,
      ...(c.spec.domainname ? { domainname: c.spec.domainname } : {}),
      etcFiles: { hostname: c.hostnamePath, hosts: c.hostsPath, resolvConf: c.resolvConfPath },
      mounts: init ? [...mounts, init.mount] : mounts,
      network,
      privileged: h.privileged,
      capAdd: h.capAdd,
      capDrop: h.capDrop,
      noNewPrivileges,
      ...(seccomp !== undefined ? { seccompProfile: seccomp } : {}),
      memory: h.memory,
      memoryReservation: h.memoryReservation,
      memorySwap: h.memorySwap,
      nanoCpus: h.nanoCpus,
      cpuShares: h.cpuShares,
      cpuQuota: h.cpuQuota,
      cpuPeriod: h.cpuPeriod,
      cpusetCpus: h.cpusetCpus,
      pidsLimit: h.pidsLimit,
      oomKillDisable: h.oomKillDisable,
      ulimits: h.ulimits,
      shmSize: h.shmSize > 0 ? h.shmSize : defaultShmSize,
      // As dockerd does: runc before 1.2 ignores the spec's domainname, the UTS sysctl sets it.
      sysctls: c.spec.domainname && h.sysctls['kernel.domainname'] === undefined ? { ...h.sysctls, 'kernel.domainname': c.spec.domainname } : h.sysctls,
      tmpfs: h.tmpfs,
      devices: h.devices,
      ...(h.deviceCgroupRules ? { deviceCgroupRules: h.deviceCgroupRules } : {}),
      ...(h.pidMode === 'host' ? { hostPid: true } : {}),
      ...(h.pidMode?.startsWith('container:') ? { pidNamespace: this.#pidNamespaceOf(h.pidMode.slice('container:'.length)) } : {}),
      ...(h.utsMode === 'host' ? { hostUts: true } : {}),
      ...(h.cgroupnsMode ? { cgroupns: h.cgroupnsMode } : {}),
      ...(h.cpuRealtimeRuntime ? { cpuRealtimeRuntime: h.cpuRealtimeRuntime } : {}),
      ...(h.cpuRealtimePeriod ? { cpuRealtimePeriod: h.cpuRealtimePeriod } : {}),
      annotations: {},
      cgroupsPath: `/berth/${c.id}`,
    };
  }

  /** The PID namespace of the container a `--pid container:<id>` one joins; it must be running, as docker requires. */
  #pidNamespaceOf(id: string): string {
    const other = this.#find(id);
    if (other.state.status !== 'running' && other.state.status !== 'paused') throw internal(`container ${other.id} is not running`);
    return `/proc/${other.state.pid}/ns/pid`;
  }

  async #mounts(c: Container, rootfs: string): Promise<OciMount[]> {
    if (c.mountPoints !== undefined) return this.#d.mounts.ociMounts(c, rootfs);
    const out: OciMount[] = [];
    for (const bind of c.spec.host.binds) {
      const [source, target, mode = ''] = bind.split(':');
      if (!source || !target || !source.startsWith('/')) {
        throw invalidArgument(`named volumes are not supported yet: ${bind}`);
      }
      // docker -v creates a missing host directory.
      await mkdir(source, { recursive: true });
      const ro = mode.split(',').includes('ro');
      out.push({ destination: target, type: 'bind', source, options: ['rbind', ro ? 'ro' : 'rw'] });
    }
    for (const m of c.spec.host.mounts) {
      if (m.type === 'bind') out.push({ destination: m.target, type: 'bind', source: m.source, options: ['rbind', m.readOnly ? 'ro' : 'rw', ...(m.options ?? [])] });
      else if (m.type === 'tmpfs') out.push({ destination: m.target, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', ...(m.options ?? [])] });
      else throw invalidArgument(`volume mounts are not supported yet: ${m.target}`);
    }
    return out;
  }

  // ---- exit watching -------------------------------------------------------

  #watch(id: string): void {
    if (this.#watchers.has(id)) return;
    const ac = new AbortController();
    this.#watchers.set(id, ac);
    this.#rt(id).then((rt) => rt.waitExit(id, ac.signal)).then(
      (status) => {
        if (this.#watchers.get(id) === ac) this.#watchers.delete(id);
        if (ac.signal.aborted || this.#closed) return;
        return this.#onExit(id, status);
      },
      (err: unknown) => {
        if (this.#watchers.get(id) === ac) this.#watchers.delete(id);
        if (!ac.signal.aborted && !this.#closed) this.#d.log.error('waiting for container exit failed', { container: id, err });
      },
    ).catch((err: unknown) => this.#d.log.error('recording container exit failed', { container: id, err }));
  }

  async #onExit(id: string, status: ExitStatus): Promise<void> {
    this.#health?.stop(id);
    const recorded = await this.#lock.run(id, async () => {
      const c = this.#byId.get(id);
      if (!c || (c.state.status !== 'running' && c.state.status !== 'paused')) return undefined;
      const next = this.#setState(c, { status: 'exited', pid: 0, exitCode: status.exitCode, oomKilled: status.oomKilled, finishedAt: status.finishedAt || nowNano() });
      // Past the point of no return: the exit is recorded; cleanup failures are logged only.
      // The network goes while the rootfs unmounts (the process is gone; nothing needs either).
      const networkReleased = this.#releaseNetwork(id);
      await this.#d.snapshotter.unmountRootfs(id).catch((err: unknown) => this.#d.log.warn('unmount after exit failed', { container: id, err }));
      await this.#d.mounts.release(c);
      const rt = await this.#rt(id);
      const cleaned = await rt
        .delete(id, { force: true })
        .then(() => rt.cleanup(id))
        .then(
          () => true,
          (err: unknown) => {
            this.#d.log.warn('runtime cleanup after exit failed', { container: id, err });
            return false;
          },
        );
      // The bundle stays when cleanup failed, so that the next start clears the runtime state first.
      if (cleaned) await rm(this.#bundleDir(id), { recursive: true, force: true }).catch(() => undefined);
      await networkReleased;
      this.#d.log.info('container exited', { container: id, exitCode: status.exitCode, oomKilled: status.oomKilled });
      return this.#scheduleRestart(this.#byId.get(id) ?? next);
    });
    if (!recorded) return;
    if (status.oomKilled) this.#d.events?.publish({ type: 'container', action: 'oom', id, attributes: containerAttributes(recorded) });
    this.#d.events?.publish({ type: 'container', action: 'die', id, attributes: containerAttributes(recorded, { exitCode: String(status.exitCode) }) });
    this.#emit(this.#exitListeners, recorded);
    if (recorded.spec.host.autoRemove) {
      await this.remove(id, { force: true, volumes: true }).then(() => this.#d.events?.publish({ type: 'container', action: 'destroy', id, attributes: containerAttributes(recorded) }), (err: unknown) => {
        if (!isNotFound(err)) this.#d.log.warn('auto-remove failed', { container: id, err });
      });
    }
  }

  /**
   * Applies the restart policy to a container that just exited (under its lock):
   * when it restarts, it is `restarting` with its RestartCount up until the back-off ends.
   */
  #scheduleRestart(c: StoredContainer): StoredContainer {
    if (this.#closed || c.spec.host.autoRemove) return c;
    const ranMs = Date.parse(c.state.finishedAt) - Date.parse(c.state.startedAt);
    const decision = decideRestart({
      policy: c.spec.host.restartPolicy,
      exitCode: c.state.exitCode,
      restartCount: c.restartCount,
      manuallyStopped: c.manuallyStopped ?? false,
      ranMs: Number.isFinite(ranMs) ? ranMs : 0,
      previousDelayMs: this.#restartDelay.get(c.id) ?? 0,
    });
    if (!decision.restart) {
      this.#restartDelay.delete(c.id);
      return c;
    }
    this.#restartDelay.set(c.id, decision.delayMs);
    const next = this.#setState(c, { status: 'restarting' }, { restartCount: c.restartCount + 1 });
    clearTimeout(this.#restartTimers.get(c.id));
    const timer = setTimeout(() => {
      if (this.#restartTimers.get(c.id) === timer) void this.#restartByPolicy(c.id);
    }, decision.delayMs);
    this.#restartTimers.set(c.id, timer);
    this.#d.log.info('container restarting by policy', { container: c.id, policy: c.spec.host.restartPolicy.name, restartCount: next.restartCount, delayMs: decision.delayMs });
    return next;
  }

  /** Starts a `restarting` container again (its back-off is over); a failed start leaves it exited. */
  async #restartByPolicy(id: string): Promise<void> {
    clearTimeout(this.#restartTimers.get(id));
    this.#restartTimers.delete(id);
    const failed = await this.#lock.run(id, async () => {
      const c = this.#byId.get(id);
      if (!c || c.state.status !== 'restarting' || this.#closed) return undefined;
      try {
        await this.#doStart(c);
        const started = this.#byId.get(id);
        if (started) this.#d.events?.publish({ type: 'container', action: 'start', id, attributes: containerAttributes(started) });
        return undefined;
      } catch (err) {
        this.#d.log.warn('restart by policy failed', { container: id, err: errorMessage(err) });
        const cur = this.#byId.get(id);
        return cur ? this.#setState(cur, { status: 'exited' }) : undefined;
      }
    });
    if (failed) this.#emit(this.#exitListeners, failed);
  }

  /** Ends a pending restart by policy (docker stop / rm -f): the container stays exited. */
  #cancelRestart(id: string): StoredContainer | undefined {
    clearTimeout(this.#restartTimers.get(id));
    this.#restartTimers.delete(id);
    const c = this.#byId.get(id);
    if (c?.state.status !== 'restarting') return undefined;
    return this.#save({ ...c, manuallyStopped: true, state: { ...c.state, status: 'exited' } });
  }

  /** docker stop/kill/rm -f: no restart by policy until the next start. */
  #markManuallyStopped(id: string): void {
    const c = this.#byId.get(id);
    if (c && !c.manuallyStopped) this.#save({ ...c, manuallyStopped: true });
  }

  #emit(map: Map<string, Set<Listener>>, c: Container): void {
    const set = map.get(c.id);
    if (!set) return;
    map.delete(c.id);
    for (const fn of set) fn(c);
  }

  #listen(map: Map<string, Set<Listener>>, id: string, fn: Listener): () => void {
    let set = map.get(id);
    if (!set) map.set(id, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  #nextExit(id: string): Promise<Container> {
    return new Promise((resolve) => this.#listen(this.#exitListeners, id, resolve));
  }

  /**
   * Waits for `exited` after a SIGKILL. The watcher normally records the exit;
   * if it has not after `ms` (a lost watcher), ask the runtime and record it here.
   */
  async #awaitKilled(id: string, exited: Promise<Container>, ms = 10_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([exited.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), ms)))]);
    clearTimeout(timer);
    if (!late) return;
    const rt = await this.#rt(id);
    const exit = await rt.exitStatus(id).catch(() => undefined);
    const st = exit ? undefined : await rt.state(id).catch(() => undefined);
    if (exit || !st || st.status === 'stopped') {
      this.#d.log.warn('exit not seen by the watcher; recording it', { container: id });
      await this.#onExit(id, exit ?? { exitCode: 137, oomKilled: false, finishedAt: nowNano() });
    } else {
      await exited;
    }
  }

  // ---- stop / kill / restart ----------------------------------------------

  async stop(idOrName: string, options: { timeout?: number; signal?: string } = {}): Promise<boolean> {
    const c = this.#find(idOrName);
    if (c.state.status === 'restarting') {
      // Under the lock: a back-off that ends right now (#restartByPolicy) must not start it again behind our back.
      const stopped = await this.#lock.run(c.id, async () => this.#cancelRestart(c.id));
      if (stopped) {
        this.#emit(this.#exitListeners, stopped);
        return true;
      }
      // It was started again meanwhile (or exited): stop it as any other container.
      return this.stop(c.id, options);
    }
    if (c.state.status !== 'running' && c.state.status !== 'paused') return false;
    const signal = parseSignal(options.signal || c.spec.stopSignal || 'SIGTERM');
    this.#markManuallyStopped(c.id);
    const timeout = options.timeout ?? c.spec.stopTimeout ?? defaultStopTimeout;
    await this.#stopRunning(c, signal, timeout);
    return true;
  }

  async #stopRunning(c: Container, signal: string, timeout: number): Promise<void> {
    const exited = this.#nextExit(c.id);
    // A paused container cannot act on a signal: thaw it first, as stopping means it must end.
    if (this.#byId.get(c.id)?.state.status === 'paused') await this.#thaw(c.id);
    const sendKill = async (sig: string) => {
      try {
        await (await this.#rt(c.id)).kill(c.id, sig);
      } catch (err) {
        // Gone already: the watcher records the exit.
        if (!isNotFound(err)) this.#d.log.warn('signal failed', { container: c.id, signal: sig, err });
      }
    };
    if (timeout !== 0) {
      await sendKill(signal);
      if (timeout < 0) {
        await exited;
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeout * 1000)))]);
      clearTimeout(timer);
      if (!timedOut) return;
      this.#d.log.info('container did not stop in time, killing it', { container: c.id, timeout });
    }
    await sendKill('SIGKILL');
    await this.#awaitKilled(c.id, exited);
  }

  async kill(idOrName: string, signal = 'SIGKILL'): Promise<void> {
    const c = this.#find(idOrName);
    const sig = parseSignal(signal);
    if (c.state.status === 'restarting') throw conflict(`Cannot kill container: ${idOrName}: Container ${c.id} is restarting, wait until the container is running`);
    if (c.state.status !== 'running' && c.state.status !== 'paused') {
      throw conflict(`Cannot kill container: ${idOrName}: Container ${c.id} is not running`);
    }
    const exited = sig === 'SIGKILL' ? this.#nextExit(c.id) : undefined;
    this.#markManuallyStopped(c.id);
    await (await this.#rt(c.id)).kill(c.id, sig);
    // A frozen process only dies once thawed.
    if (exited && c.state.status === 'paused') await this.#thaw(c.id);
    // docker kill returns once a SIGKILLed container is seen to be gone.
    if (exited) await this.#awaitKilled(c.id, exited);
  }

  async restart(idOrName: string, options: { timeout?: number; signal?: string } = {}): Promise<void> {
    const c = this.#find(idOrName);
    await this.stop(c.id, options);
    await this.start(c.id);
  }

  // ---- wait ----------------------------------------------------------------

  async wait(idOrName: string, condition: WaitCondition, signal?: AbortSignal): Promise<{ exitCode: number; error?: string }> {
    const c = this.#find(idOrName);
    // dockerd reports a start error to not-running/next-exit waiters, but not to those waiting for removal.
    const result = (x: Container) => ({ exitCode: x.state.exitCode, ...(x.state.error && condition !== 'removed' ? { error: x.state.error } : {}) });
    const running = c.state.status === 'running' || c.state.status === 'paused' || c.state.status === 'restarting';
    if (condition === 'not-running' && !running) return result(c);
    const map = condition === 'removed' ? this.#removeListeners : this.#exitListeners;
    return new Promise((resolve, reject) => {
      const off = this.#listen(map, c.id, (x) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(result(x));
      });
      const onAbort = () => {
        off();
        reject(signal?.reason instanceof Error ? signal.reason : new Error('wait aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  // ---- remove --------------------------------------------------------------

  async remove(idOrName: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    let c = this.#find(idOrName);
    if (this.#removing.has(c.id)) throw conflict(`removal of container ${idOrName} is already in progress`);
    if (c.state.status === 'restarting') {
      if (!options.force) throw conflict(`You cannot remove a restarting container ${c.id}. Stop the container before attempting removal or force remove`);
      c = this.#cancelRestart(c.id) ?? c;
    }
    if (c.state.status === 'running' || c.state.status === 'paused') {
      if (!options.force) {
        throw conflict(`You cannot remove a running container ${c.id}. Stop the container before attempting removal or force remove`);
      }
      this.#markManuallyStopped(c.id);
      await this.#stopRunning(c, 'SIGKILL', 0);
    }
    await this.#lock.run(c.id, async () => {
      c = this.#find(c.id);
      if (c.state.status === 'running') throw conflict(`You cannot remove a running container ${c.id}. Stop the container before attempting removal or force remove`);
      this.#removing.add(c.id);
      try {
        await this.#doRemove(c);
        if (options.volumes) await this.#d.mounts.removeAnonymous(c, (name) => this.volumeUsers(name).length > 0);
      } finally {
        this.#removing.delete(c.id);
      }
    });
    this.#emit(this.#exitListeners, c);
    this.#emit(this.#removeListeners, c);
  }

  async removeLink(name: string): Promise<void> {
    const path = name.replace(/^\/+/, '');
    const slash = path.lastIndexOf('/');
    if (slash < 0) {
      this.#find(path);
      throw internal('Conflict, cannot remove the default link name of the container');
    }
    const alias = path.slice(slash + 1);
    let parent: StoredContainer;
    try {
      parent = this.#find(path.slice(0, slash));
    } catch (err) {
      if (isNotFound(err)) throw notFound(`No such container: ${name}`);
      throw err;
    }
    await this.#lock.run(parent.id, async () => {
      const c = this.#find(parent.id);
      const links = c.spec.host.links ?? [];
      // As docker's name registry: a link whose container is gone has no name left to remove.
      if (!links.some((l) => l.alias === alias) || !this.#linkTarget(path)) throw notFound(`No such container: ${name}`);
      const next = this.#save({ ...c, spec: { ...c.spec, host: { ...c.spec.host, links: links.filter((l) => l.alias !== alias) } } });
      // A running container's /etc/hosts loses the entry at once, as docker updates its sandbox.
      if (next.state.status === 'running' && next.network) {
        let hosts: readonly string[] = [];
        try {
          hosts = resolveLinks(next, (x) => this.#find(x)).hosts;
        } catch (err) {
          this.#d.log.warn('a remaining link no longer resolves', { container: c.id, err: errorMessage(err) });
        }
        await writeNetworkEtcFiles(next, next.network, await readFile('/etc/resolv.conf', 'utf8').catch(() => ''), hosts);
      }
      this.#d.log.info('container link removed', { container: c.id, alias });
    });
  }

  async #doRemove(c: Container): Promise<void> {
    const id = c.id;
    this.#endPending(id);
    this.#health?.stop(id);
    this.#watchers.get(id)?.abort();
    this.#watchers.delete(id);
    const rt = await this.#rt(id);
    await rt.delete(id, { force: true });
    await rt.cleanup(id);
    await this.#d.snapshotter.removeRootfs(id);
    await this.#d.mounts.release(c);
    await this.#releaseNetwork(id);
    await rm(this.#bundleDir(id), { recursive: true, force: true });
    this.#d.meta.deleteContainer(id);
    this.#byId.delete(id);
    if (this.#byName.get(c.name) === id) this.#byName.delete(c.name);
    // The record is gone; leftover files only waste space.
    await rm(this.#containerDir(id), { recursive: true, force: true }).catch((err: unknown) => this.#d.log.warn('removing container dir failed', { container: id, err }));
    this.#d.log.info('container removed', { container: id });
    // Layers of an image removed with --force were kept for this container; free them now.
    if (!(await this.#d.images.get(c.imageId).then(() => true, () => false))) {
      await this.#d.images.gc({ layerInUse: (chain) => this.layerInUse(chain) }).catch((err: unknown) => this.#d.log.warn('layer gc failed', { err }));
    }
  }

  // ---- list / inspect / logs ----------------------------------------------

  async list(options: { all?: boolean; limit?: number; size?: boolean; filters?: Filters } = {}): Promise<Container[]> {
    const filters = options.filters ?? {};
    validateContainerFilters(filters);
    const limit = options.limit ?? -1;
    const all = options.all || limit > 0 || (filters['status'] ?? []).length > 0;
    const ancestorIds = new Set<string>();
    for (const a of filters['ancestor'] ?? []) {
      try {
        ancestorIds.add((await this.#d.images.resolve(a)).id);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    const edge = (key: string) => {
      const v = filters[key]?.[0];
      return v === undefined ? undefined : this.#find(v).created;
    };
    const before = edge('before');
    const since = edge('since');
    const ctx = { ancestorIds, ...(before !== undefined ? { before } : {}), ...(since !== undefined ? { since } : {}) };
    let out = [...this.#byId.values()]
      .filter((c) => all || c.state.status === 'running' || c.state.status === 'paused' || c.state.status === 'restarting')
      .filter((c) => containerMatches(c, filters, ctx))
      .sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
    if (limit > 0) out = out.slice(0, limit);
    if (options.size) out = await Promise.all(out.map((c) => this.#withSize(c)));
    return out;
  }

  async inspect(idOrName: string, options: { size?: boolean } = {}): Promise<Container> {
    const found = this.#find(idOrName);
    const rootfs = this.#d.snapshotter.rootfsPaths(found.id, found.lowerChain ?? []);
    const c = { ...found, graphDriver: { lowerDir: rootfs.lower.join(':'), upperDir: rootfs.upper, workDir: rootfs.work, mergedDir: rootfs.merged } };
    return options.size ? this.#withSize(c) : c;
  }

  async #withSize(c: Container): Promise<Container> {
    const upper = this.#d.snapshotter.rootfsPaths(c.id, []).upper;
    const sizeRw = Math.max(0, (await this.#d.snapshotter.rootfsUsage(c.id).catch(() => 0)) - (await initLayerSize(upper)));
    const imageSize = await this.#d.images.get(c.imageId).then((i) => i.size, () => 0);
    return { ...c, sizeRw, sizeRootFs: sizeRw + imageSize };
  }

  logs(idOrName: string, options: { follow?: boolean; since?: number; until?: number; tail?: number; stdout?: boolean; stderr?: boolean; signal?: AbortSignal }): AsyncIterable<LogLine> {
    const c = this.#find(idOrName);
    const running = c.state.status === 'running' || c.state.status === 'paused';
    const stopWhen = options.follow && running ? this.#nextExit(c.id) : Promise.resolve();
    const lines = readRotatedLogs(c.logPath, {
      ...(options.follow !== undefined ? { follow: options.follow } : {}),
      ...(options.since !== undefined ? { since: options.since } : {}),
      ...(options.until !== undefined ? { until: options.until } : {}),
      ...(options.tail !== undefined ? { tail: options.tail } : {}),
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
      stopWhen,
    });
    const wantOut = options.stdout ?? true;
    const wantErr = options.stderr ?? true;
    return (async function* () {
      for await (const line of lines) {
        if ((line.stream === 'stdout' && wantOut) || (line.stream === 'stderr' && wantErr)) yield line;
      }
    })();
  }

  attach(idOrName: string, options: { signal?: AbortSignal } = {}): AsyncIterable<LogLine> {
    const c = this.#find(idOrName);
    if (c.state.status === 'paused') throw conflict('You cannot attach to a paused container, unpause it first');
    return readLogs(c.logPath, { follow: true, tail: 0, stopWhen: this.#nextExit(c.id), ...(options.signal ? { signal: options.signal } : {}) });
  }

  async attachStdio(idOrName: string, options: { stdin: boolean }): Promise<ContainerAttachment> {
    const c = this.#find(idOrName);
    if (c.state.status === 'paused') throw conflict('You cannot attach to a paused container, unpause it first');
    const session = new AttachSession({ tty: c.spec.tty, stdin: options.stdin && c.spec.openStdin });
    if (c.state.status === 'running') {
      const rt = await this.#rt(c.id);
      try {
        await session.connect(await rt.attach(c.id));
      } catch (err) {
        // The process is exiting: nothing more to see.
        this.#d.log.debug('attach to a running container found no monitor', { container: c.id, err });
        session.end();
      }
      return session;
    }
    let set = this.#pendingAttach.get(c.id);
    if (!set) this.#pendingAttach.set(c.id, (set = new Set()));
    set.add(session);
    session.onClose(() => {
      set.delete(session);
      if (set.size === 0 && this.#pendingAttach.get(c.id) === set) this.#pendingAttach.delete(c.id);
    });
    return session;
  }

  async #connectPending(id: string, rt: ContainerRuntime): Promise<void> {
    const set = this.#pendingAttach.get(id);
    if (!set) return;
    this.#pendingAttach.delete(id);
    for (const session of set) {
      if (session.closed) continue;
      try {
        await session.connect(await rt.attach(id));
      } catch (err) {
        // The container still starts; this client just sees no output.
        this.#d.log.warn('connecting an attached client failed', { container: id, err });
        session.end();
      }
    }
  }

  #endPending(id: string): void {
    const set = this.#pendingAttach.get(id);
    if (!set) return;
    this.#pendingAttach.delete(id);
    for (const session of set) session.end();
  }

  async resize(idOrName: string, size: { height: number; width: number }): Promise<void> {
    const c = this.#find(idOrName);
    if (c.state.status !== 'running') throw conflict(`Container ${c.id} is not running`);
    await (await this.#rt(c.id)).resize(c.id, size);
  }

  // ---- pause / unpause / rename / top ---------------------------------------

  async pause(idOrName: string): Promise<void> {
    const { id } = this.#find(idOrName);
    await this.#lock.run(id, async () => {
      const c = this.#find(id);
      if (c.state.status === 'paused') throw conflict(`Container ${c.id} is already paused`);
      if (c.state.status !== 'running') throw conflict(`Container ${c.id} is not running`);
      await (await this.#rt(id)).pause(id);
      this.#setState(c, { status: 'paused' });
      this.#d.log.info('container paused', { container: id });
    });
  }

  async unpause(idOrName: string): Promise<void> {
    const { id } = this.#find(idOrName);
    await this.#lock.run(id, async () => {
      const c = this.#find(id);
      if (c.state.status !== 'paused') throw conflict(`Container ${c.id} is not paused`);
      await this.#thawLocked(c);
    });
  }

  async #thaw(id: string): Promise<void> {
    await this.#lock.run(id, async () => {
      const c = this.#byId.get(id);
      if (c?.state.status === 'paused') await this.#thawLocked(c);
    });
  }

  async #thawLocked(c: StoredContainer): Promise<void> {
    await (await this.#rt(c.id)).resume(c.id);
    this.#setState(c, { status: 'running' });
    this.#d.log.info('container unpaused', { container: c.id });
  }

  async rename(idOrName: string, newName: string): Promise<void> {
    const c = this.#find(idOrName);
    const name = newName.replace(/^\//, '');
    if (name === '') throw invalidArgument('Neither old nor new names may be empty');
    if (!validContainerName.test(name)) throw invalidArgument(`Error when allocating new name: Invalid container name (/${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    await this.#lock.run(c.id, async () => {
      const cur = this.#find(c.id);
      if (cur.name === name) throw invalidArgument('Renaming a container with the same name as its current name');
      const holder = this.#byName.get(name);
      if (holder !== undefined) {
        throw conflict(`Error when allocating new name: Conflict. The container name "/${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`);
      }
      this.#byName.set(name, cur.id);
      this.#byName.delete(cur.name);
      this.#save({ ...cur, name });
      this.#d.log.info('container renamed', { container: cur.id, from: cur.name, to: name });
    });
  }

  /**
   * docker update: new limits apply at once to a running container (`<runtime> update`)
   * and are kept for later starts; a new restart policy applies from the next exit.
   */
  async update(idOrName: string, u: ContainerUpdate): Promise<{ warnings: string[] }> {
    const { id } = this.#find(idOrName);
    return this.#lock.run(id, async () => {
      const c = this.#find(id);
      if (c.state.status === 'removing' || this.#removing.has(id)) throw conflict(`Cannot update container ${id}: container is marked for removal and cannot be "update"`);
      const live = c.state.status === 'running' || c.state.status === 'paused';
      const host = applyUpdate(c.spec.host, u, live);
      if (live && changesResources(u)) {
        const rt = await this.#rt(id);
        if (!rt.update) throw invalidArgument(`Cannot update container ${id}: the runtime ${rt.binary.name} cannot change limits of a running container`);
        try {
          await rt.update(id, updateResources(host));
        } catch (err) {
          throw internal(`Cannot update container ${id}: ${errorMessage(err)}`, err);
        }
      }
      const next = this.#save({ ...c, spec: { ...c.spec, host } });
      this.#d.events?.publish({ type: 'container', action: 'update', id, attributes: containerAttributes(next) });
      this.#d.log.info('container updated', { container: id });
      return { warnings: [] };
    });
  }

  async top(idOrName: string, psArgs = ''): Promise<TopResult> {
    const c = this.#find(idOrName);
    if (c.state.status !== 'running' && c.state.status !== 'paused') throw conflict(`Container ${c.id} is not running`);
    const pids = await (await this.#rt(c.id)).pids(c.id);
    return containerTop(pids, psArgs);
  }
}
