// The engine's public surface: the one service layer that api/ (and later a CRI
// front door) call. Methods guard (lock, re-read state, reject invalid
// transitions with a clear error kind), then act and persist. The aggregate
// `Engine` is in ./engine-services.ts (it names every service; this file names
// none, so service files can import it without a cycle).
import type { Readable, Writable } from 'node:stream';
import type { Container, ContainerSpec } from '../core/types.ts';
import type { Image, HistoryEntry, LoadResult, ProgressSink } from '../image/index.ts';
import type { LogLine } from '../core/types.ts';
import type { Credentials, DistributionInfo } from '../registry/index.ts';
import type { Volume } from '../volume/index.ts';
import type { ContainerAttachment } from './container/attach-session.ts';
import type { TopResult } from './container/top.ts';
import type { ContainerUpdate } from './container/update.ts';

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

/** Filters as docker's `filters` query: key → accepted values (any matches). */
export type Filters = Readonly<Record<string, readonly string[]>>;

export interface ContainerService {
  /**
   * Creates a container from an image already in the store (NotFound
   * `No such image: busybox:latest` otherwise). Name conflicts → Conflict with
   * docker's text: `Conflict. The container name "/w" is already in use by container "<id>". You have to remove (or rename) that container to be able to reuse that name.`
   */
  create(spec: ContainerSpec, options?: { name?: string; logPath?: string }): Promise<{ id: string; warnings: string[] }>;

  /** false when it was already running (the API answers 304). */
  start(idOrName: string): Promise<boolean>;
  /** Sends the stop signal, waits `timeout` seconds (spec's stopTimeout, else 10), then SIGKILL. false when not running (304). */
  stop(idOrName: string, options?: { timeout?: number; signal?: string }): Promise<boolean>;
  /** Conflict `Container <id> is not running` when not running. */
  kill(idOrName: string, signal?: string): Promise<void>;
  restart(idOrName: string, options?: { timeout?: number; signal?: string }): Promise<void>;
  wait(idOrName: string, condition: WaitCondition, signal?: AbortSignal): Promise<{ exitCode: number; error?: string }>;
  /** Conflict when running and not force (docker's text). `volumes` removes anonymous volumes. */
  /** `purged`: answer only once the container's runtime state and rootfs are gone too (else they go just after). */
  remove(idOrName: string, options?: { force?: boolean; volumes?: boolean; purged?: boolean }): Promise<void>;
  /**
   * Removes the legacy link `/<container>/<alias>` (DELETE …?link=1). NotFound
   * `No such container: <name>` when there is no such link; Internal when `name` is a container's own name.
   */
  removeLink(name: string): Promise<void>;
  /** Newest first. Filters: name, id, status, label, ancestor, exited, before, since. */
  list(options?: { all?: boolean; limit?: number; size?: boolean; filters?: Filters }): Promise<Container[]>;
  /** By full id, unique id prefix, or name. NotFound `No such container: <x>`. */
  inspect(idOrName: string, options?: { size?: boolean }): Promise<Container>;
  /**
   * The container's log lines (conmon's log file), optionally following until
   * the container stops or `signal` aborts.
   */
  logs(idOrName: string, options: { follow?: boolean; since?: number; until?: number; tail?: number; stdout?: boolean; stderr?: boolean; signal?: AbortSignal }): AsyncIterable<LogLine>;
  /**
   * The container's output from now on (the current end of its log) until its
   * running process exits — or, for a container not running yet, until the
   * exit of the run that the next start begins (docker run attaches before start).
   * Conflict for a paused container.
   */
  attach(idOrName: string, options?: { signal?: AbortSignal }): AsyncIterable<LogLine>;
  /**
   * Attaches to the container's stdio through its monitor: live output, and input
   * when `stdin` (and the container has OpenStdin). For a container not running
   * yet, the attachment connects when the next start creates the process.
   * Conflict for a paused container.
   */
  attachStdio(idOrName: string, options: { stdin: boolean }): Promise<ContainerAttachment>;
  /** Sets the terminal size of a running container with a TTY. Conflict `Container <id> is not running` otherwise. */
  resize(idOrName: string, size: { height: number; width: number }): Promise<void>;
  /** Freezes the container (runtime pause). Conflict when not running or already paused (docker's texts). */
  pause(idOrName: string): Promise<void>;
  /** Thaws a paused container. Conflict `Container <id> is not paused` otherwise. */
  unpause(idOrName: string): Promise<void>;
  /** Conflict when the name is taken, InvalidArgument for a bad or unchanged name (docker's texts). */
  rename(idOrName: string, newName: string): Promise<void>;
  /** `ps <psArgs>` (default `-ef`) filtered to the container's processes. Conflict when not running. */
  top(idOrName: string, psArgs?: string): Promise<TopResult>;
  /** docker update: limits (live for a running container) and restart policy. Optional for engine fakes. */
  update?(idOrName: string, update: ContainerUpdate): Promise<{ warnings: string[] }>;
}

export interface ImageDeleteResult {
  readonly untagged?: string;
  readonly deleted?: string;
}

export interface ImageService {
  /** Filters: dangling, label, reference, before, since. `all` includes intermediate images. */
  list(options?: { all?: boolean; filters?: Filters }): Promise<Image[]>;
  /** The image berth built this one on (docker's Parent/ParentId); '' for pulled, loaded and imported images. */
  parentOf?(id: string): string;
  /** The overlay directories of an image's layers as inspect's GraphDriver.Data shows them (LowerDir only with several layers). */
  graphDriverOf?(image: Image): Record<string, string>;
  inspect(nameOrId: string): Promise<Image>;
  /** Tags `source` as repo[:tag] (tag defaults to latest). */
  tag(source: string, repo: string, tag?: string): Promise<void>;
  /**
   * docker rmi: by name untags first and deletes only when no tag is left; by id
   * deletes (Conflict when it has several repos and not force, or when a
   * container uses it and not force — docker's texts).
   */
  remove(nameOrId: string, options?: { force?: boolean; noprune?: boolean }): Promise<ImageDeleteResult[]>;
  history(nameOrId: string): Promise<HistoryEntry[]>;
  /** docker import: `changes` are Dockerfile instructions (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR, ONBUILD, STOPSIGNAL). */
  import(tar: Readable, options?: { repo?: string; tag?: string; changes?: readonly string[]; message?: string; platform?: string }): Promise<Image>;
  load(archive: Readable, options?: { progress?: ProgressSink; signal?: AbortSignal }): Promise<LoadResult>;
  save(names: readonly string[], out: Writable, options?: { signal?: AbortSignal }): Promise<void>;
}

export interface SystemInfo {
  readonly id: string;
  readonly name: string;
  readonly serverVersion: string;
  readonly apiVersion: string;
  readonly minApiVersion: string;
  readonly containers: { readonly total: number; readonly running: number; readonly paused: number; readonly stopped: number };
  readonly images: number;
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly storageDriver: string;
  readonly cgroupVersion: '1' | '2';
  readonly cgroupDriver: 'cgroupfs' | 'systemd';
  readonly runtimes: readonly { name: string; path: string }[];
  readonly defaultRuntime: string;
  readonly kernelVersion: string;
  readonly operatingSystem: string;
  /** /etc/os-release VERSION_ID ('' when absent), docker's OSVersion. */
  readonly osVersion: string;
  /** Host facts docker reports: swap limits work (cgroup v2, or v1 with memsw accounting), bridge-nf-call-ip(6)tables on. */
  readonly swapLimit: boolean;
  readonly bridgeNfIptables: boolean;
  readonly bridgeNfIp6tables: boolean;
  /** /proc/sys/net/ipv4/ip_forward is 1. */
  readonly ipv4Forwarding: boolean;
  /** The filesystem under the data root by its statfs magic, in dockerd's words (`extfs`, `xfs`, `tmpfs`…). */
  readonly backingFilesystem: string;
  /** The registry mirrors of Docker Hub from the daemon config, as dockerd lists them (`https://m.example/`). */
  readonly registryMirrors: readonly string[];
  readonly osType: string;
  readonly architecture: string;
  readonly ncpu: number;
  readonly memTotal: number;
  readonly securityOptions: readonly string[];
  readonly initBinary: string;
  readonly systemTime: string;
  readonly warnings: readonly string[];
  /** Versions of the outside programs berth drives (OCI runtime, conmon), for `/version`. */
  readonly components: readonly { name: string; version: string; commit: string }[];
}

/** A volume with what `system df` shows of it. */
export interface VolumeUsage {
  readonly volume: Volume;
  /** Bytes under its mountpoint. */
  readonly size: number;
  /** Containers (any state) that mount it. */
  readonly refCount: number;
}

export interface VolumeService {
  /**
   * Idempotent by name (an existing volume is returned as is). InvalidArgument for a bad name, driver or option.
   * `anonymous`: a volume without a name is labelled anonymous (so that prune takes it), as dockerd since v23.
   */
  create(options?: { name?: string; driver?: string; labels?: Readonly<Record<string, string>>; driverOptions?: Readonly<Record<string, string>>; anonymous?: boolean }): Promise<Volume>;
  /** Sorted by name. Filters: dangling, name (substring), label (k or k=v), driver. */
  list(options?: { filters?: Filters }): Promise<Volume[]>;
  /** NotFound `get <name>: no such volume`. */
  inspect(name: string): Promise<Volume>;
  /** Conflict `remove <name>: volume is in use - [<ids>]`; `force` ignores a missing volume. */
  remove(name: string, options?: { force?: boolean }): Promise<void>;
  /** Unused anonymous volumes (every unused one with filter all=true); filters label, label!. */
  prune(options?: { filters?: Filters }): Promise<{ deleted: string[]; spaceReclaimed: number }>;
  usage(): Promise<VolumeUsage[]>;
}

/** The filesystem holding the image store (the CRI's FsInfo). */
export interface ImageFilesystemUsage {
  /** The directory whose usage is counted (`<data-root>/snapshots`). */
  readonly mountpoint: string;
  readonly usedBytes: number;
  readonly inodesUsed: number;
  /** When it was measured, in ns since the epoch. */
  readonly timestampNs: bigint;
}

export interface SystemService {
  info(): Promise<SystemInfo>;
  /** The image store's disk use (unpacked layers and blobs); optional for engine fakes. */
  imageFilesystem?(): Promise<ImageFilesystemUsage>;
  /** What the default OCI runtime and the kernel support beyond the basics, asked once; optional for engine fakes. */
  runtimeFeatures?(): Promise<{ readonly recursiveReadOnlyMounts: boolean }>;
}

/** Pull, push and login: the registry half of the images service. */
export interface RegistryService {
  /**
   * Pulls `ref` (normalised as docker does) for `platform` (`linux/amd64`; default the host's),
   * reporting docker's progress events. NotFound / Unauthenticated / Unavailable as the registry answers.
   */
  pull(ref: string, options?: { platform?: string; credentials?: Credentials; progress?: ProgressSink; signal?: AbortSignal }): Promise<{ image: Image; digest: string }>;
  /** docker pull --all-tags: every tag of a repository (named without tag or digest), then docker's summary status line. */
  pullAllTags(repository: string, options?: { platform?: string; credentials?: Credentials; progress?: ProgressSink; signal?: AbortSignal }): Promise<void>;
  /** Pushes a local image to the registry its name points at. NotFound `No such image: <ref>`. */
  push(ref: string, options?: { credentials?: Credentials; progress?: ProgressSink; signal?: AbortSignal }): Promise<{ tag: string; digest: string; size: number }>;
  /** `GET /distribution/{name}/json`: what the registry holds under `ref` (default tag latest), without pulling it. */
  inspectDistribution(ref: string, options?: { credentials?: Credentials; signal?: AbortSignal }): Promise<DistributionInfo>;
  /** Checks credentials against a registry (`POST /auth`). Unauthenticated when refused. */
  login(serverAddress: string, credentials: Credentials, options?: { signal?: AbortSignal }): Promise<{ identityToken?: string }>;
}
