// Starting a container's process (the act behind start, restart and a restart
// by policy): mounts the rootfs while the network namespace is prepared, writes
// the OCI bundle, creates the process, connects pending attachments and the
// network interfaces, then starts it. A failure undoes all of it and records
// the error as docker does; the caller holds the container's lock.
import { access, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage, internal, invalidArgument } from '../../core/errors.ts';
import type { NetworkState } from '../../core/types.ts';
import type { ContainerRuntime } from '../../runtime/index.ts';
import { buildSpec, classifyStartError, holdCgroupAttachWarm, specToJson } from '../../runtime/index.ts';
import { nowNano, zeroTime } from '../time.ts';
import type { ContainerContext, StoredContainer } from './context.ts';
import { isDaemonStartError } from './create-checks.ts';
import { resolveLinks } from './links.ts';
import { conmonFileSize, logLimits, prepareLogForStart } from './log-rotation.ts';
import { attachRequest, writeNetworkEtcFiles } from './network.ts';
import { releaseNetwork } from './network-links.ts';
import { containerCgroupsPath, specInput } from './spec-input.ts';
import { fsBatch, span, spanSync, type FsOp } from '../../lib/index.ts';

/** A bundle dir as the start finds it: its config.json there, empty (the start writes the spec into it). */
function bundleTree(root: string): FsOp[] {
  return [
    { op: 'mkdir', path: root, mode: 0o700, parents: true },
    { op: 'write', path: join(root, 'config.json'), data: '', mode: 0o666 },
  ];
}

/** The exit watcher as a start needs it. */
export interface WatchRole {
  /** Watches the container's process for its exit (idempotent). */
  watch(id: string): void;
  /** Stops watching without recording an exit. */
  unwatch(id: string): void;
}

/** Attachments made before the start, as a start needs them. */
export interface PendingAttachRole {
  connectPending(id: string, rt: ContainerRuntime): Promise<void>;
  endPending(id: string): void;
}

export class ContainerStarter {
  readonly #ctx: ContainerContext;
  readonly #watcher: WatchRole;
  readonly #attaches: PendingAttachRole;

  constructor(ctx: ContainerContext, roles: { watcher: WatchRole; attaches: PendingAttachRole }) {
    this.#ctx = ctx;
    this.#watcher = roles.watcher;
    this.#attaches = roles.attaches;
  }

  /** Starts `c` (under its lock). Internal for the daemon's failures, InvalidArgument for 126/127 ones. */
  async start(c: StoredContainer): Promise<void> {
    const { d, reg } = this.#ctx;
    const rt = await this.#ctx.rt(c.id);
    const id = c.id;
    const at = { container: id.slice(0, 12) };
    let networkFailed = false;
    let connecting: Promise<NetworkState> | undefined;
    let preparing: Promise<unknown> | undefined;
    // The runtime's create below moves the container's init into its cgroups; readied from here on, the
    // kernel's attach lock is ready when it does (runtime/attach-warmup.ts).
    const releaseAttachWarm = holdCgroupAttachWarm();
    try {
      const links = resolveLinks(c, (x) => reg.find(x));
      const bundle = this.#ctx.bundleDir(id);
      // A bundle left over means a run whose cleanup never happened (a crash): its runtime state is cleared
      // before the monitor's and the bundle's directories are made; the mount and the spec do not wait for it.
      const leftover = access(bundle).then(
        () => true,
        () => false,
      );
      const leftoverCleared = leftover.then((there) =>
        there
          ? span('start: clear a previous run', at, async () => {
              await rt.delete(id, { force: true }).catch(() => undefined);
              await rt.cleanup(id).catch(() => undefined);
            })
          : undefined,
      );
      // What the create needs besides the spec (the monitor's directories, the bundle's, a restart's log moved
      // aside for conmon, which caps the log file itself: log-rotation.ts) is readied while the rootfs mounts.
      const limits = logLimits(c.spec.host.logConfig);
      const prepared = rt.prepareCreate && leftoverCleared.then(() => rt.prepareCreate?.(id));
      const logReady = prepareLogForStart(c.logPath, limits);
      // The bundle dir with an empty config.json, as a spare made ahead (lib/spare-dirs.ts) where none is left over.
      const bundleMade = leftover.then(async (there) => {
        if (!there) return this.#ctx.spares.bundle.make(bundle, 'bundle', bundleTree);
        await leftoverCleared;
        await mkdir(bundle, { recursive: true, mode: 0o700 });
      });
      preparing = Promise.allSettled([prepared, logReady, bundleMade]);
      const lowerChain = c.lowerChain ?? this.#ctx.lowerChain(await d.images.get(c.imageId));
      const t0 = performance.now();
      const mounting = span('start: mount rootfs', at, () => this.#ctx.mountRootfs(c, lowerChain));
      // The netns (and port allocation) is made while the rootfs mounts: both take a while and neither needs the other.
      const network = d.network;
      const netReq = network ? attachRequest(c) : undefined;
      const attaching = netReq && network ? span('start: network prepare', at, () => network.prepare(netReq)) : Promise.resolve(undefined);
      const [mounted, attached] = await Promise.allSettled([mounting, attaching]);
      if (attached.status === 'rejected') {
        networkFailed = true;
        throw attached.reason;
      }
      if (mounted.status === 'rejected') throw mounted.reason;
      const rootfs = mounted.value;
      if (attached.value) c = reg.setNetworkState(c, attached.value.state);
      const t1 = performance.now();
      const spec = await span('start: build spec', at, async () => buildSpec(await specInput(this.#ctx, c, { rootfs, links })));
      await span('start: write bundle', at, async () => {
        await bundleMade;
        // Created or truncated in one trip to the pool (fs.promises.writeFile takes three).
        await fsBatch([{ op: 'write', path: join(bundle, 'config.json'), data: specToJson(spec), mode: 0o666 }]);
      });
      const t2 = performance.now();
      await logReady;
      const logMaxSize = conmonFileSize(limits);
      // No stdin until attach can feed it (issue 3): a process reading stdin sees EOF instead of hanging.
      const creating = span('start: create (conmon + runtime create)', at, () => rt.create(id, { bundle, logPath: c.logPath, ...(logMaxSize > 0 ? { logMaxSize } : {}), terminal: c.spec.tty, stdin: c.spec.openStdin, stdinOnce: c.spec.stdinOnce && !c.spec.tty, cgroupsPath: containerCgroupsPath(c), ...(prepared ? { prepared } : {}) }));
      if (attached.value) {
        // The interfaces (CNI ADD) are set up while runc creates the container in the netns; it starts once they are.
        // Begun on the event loop's next turn: conmon is spawned first (with `prepared` done, within this turn), so
        // that the plugins' start-up, which has the whole create to finish in, does not hold conmon back.
        const net = attached.value;
        connecting = new Promise<void>((resolve) => setImmediate(resolve)).then(() => span('start: network connect', at, () => net.connect()));
        connecting.catch(() => undefined); // awaited before start (or in the clean-up below)
      }
      const { pid } = await creating;
      releaseAttachWarm();
      // (docker closes stdin at a client's EOF only without a TTY: a TTY outlives detaching.)
      // Attachments made before start connect now, so that they see all of the output.
      await span('start: connect pending attachments', at, () => this.#attaches.connectPending(id, rt));
      const size = c.spec.host.consoleSize;
      if (c.spec.tty && size) await rt.resize(id, { height: size[0], width: size[1] }).catch((err: unknown) => d.log.warn('setting the initial console size failed', { container: id, err }));
      if (connecting) {
        const network = await span('start: wait for network connect', at, () => connecting!).catch((err: unknown) => {
          networkFailed = true;
          throw err;
        });
        c = reg.setNetworkState(c, network);
        const named = c;
        await span('start: network etc files', at, async () => writeNetworkEtcFiles(named, network, await readFile('/etc/resolv.conf', 'utf8').catch(() => ''), links.hosts));
      }
      const t3 = performance.now();
      // Watch before starting so that no exit is missed.
      this.#watcher.watch(id);
      await span('start: runtime start', at, () => rt.start(id));
      const t4 = performance.now();
      const started = spanSync('start: record running', at, () => reg.setRunState(c, { status: 'running', pid, exitCode: 0, oomKilled: false, error: '', startedAt: nowNano(), finishedAt: zeroTime }));
      if (!this.#ctx.closed) d.health?.start(started);
      const ms = (a: number, b: number) => Math.round(b - a);
      d.log.info('container started', { container: id, pid, mountMs: ms(t0, t1), specMs: ms(t1, t2), createMs: ms(t2, t3), startMs: ms(t3, t4) });
    } catch (err) {
      releaseAttachWarm();
      const msg = errorMessage(err);
      const code = classifyStartError(msg);
      this.#attaches.endPending(id);
      this.#watcher.unwatch(id);
      // An interface set-up or the create's preparation still running would race the release below.
      await connecting?.catch(() => undefined);
      await preparing;
      await rt.delete(id, { force: true }).catch(() => undefined);
      await rt.cleanup(id).catch(() => undefined);
      await d.snapshotter.unmountRootfs(id).catch((e: unknown) => d.log.warn('unmount after failed start', { container: id, err: e }));
      await d.mounts.release(c);
      await releaseNetwork(this.#ctx, id);
      await rm(this.#ctx.bundleDir(id), { recursive: true, force: true }).catch(() => undefined);
      if (networkFailed) {
        // Network set-up failures are not the runtime's: docker reports them as they are and the container stays as it was.
        const netText = msg.includes('port is already allocated') || msg === 'all ports are allocated' ? `driver failed programming external connectivity on endpoint ${c.name} (${id}): ${msg}` : msg;
        reg.setState(reg.find(id), { error: netText, exitCode: 128 });
        d.log.warn('container network set-up failed', { container: id, err: msg });
        throw internal(netText, err);
      }
      // The daemon's own spec errors (a missing --device) come as they are in docker; the runtime's are wrapped.
      const text = isDaemonStartError(msg) ? msg : `failed to create task for container: failed to create shim task: OCI runtime create failed: ${msg.replace(/: unknown$/, '')}: unknown`;
      // docker leaves the container in its previous state with the error and 127/126/128 recorded.
      reg.setState(reg.find(id), { error: text, exitCode: code === 125 ? 128 : code });
      d.log.warn('container failed to start', { container: id, err: msg });
      throw code === 126 || code === 127 ? invalidArgument(text, err) : internal(text, err);
    }
  }
}
