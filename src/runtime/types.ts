// The runtime module's contracts: turning a container into an OCI bundle, and
// driving conmon + an OCI runtime (crun or runc) for its lifecycle. The runtime
// adapter holds no container state logic: engine/ decides, this acts.
import type { Ulimit } from '../core/types.ts';
import type { AttachConnection } from './conmon-attach.ts';
import type { ExecProcess, ExecProcessOptions } from './conmon-exec.ts';

export interface ProcessUser {
  readonly uid: number;
  readonly gid: number;
  readonly additionalGids: readonly number[];
}

/** Everything buildSpec() needs, already resolved by engine/. */
export interface SpecInput {
  readonly containerId: string;
  /** Mounted overlay root. */
  readonly rootfs: string;
  readonly readonlyRootfs: boolean;
  readonly args: readonly string[];
  readonly env: readonly string[];
  readonly cwd: string;
  readonly user: ProcessUser;
  readonly terminal: boolean;
  readonly hostname: string;
  readonly domainname?: string;
  /** Files bind-mounted to /etc/hostname, /etc/hosts, /etc/resolv.conf (absent → not mounted). */
  readonly etcFiles: { readonly hostname?: string; readonly hosts?: string; readonly resolvConf?: string };
  /** Extra mounts (binds, volumes, tmpfs) in OCI form. */
  readonly mounts: readonly OciMount[];
  /** `new`: own netns (loopback only until CNI); `host`; or a netns path to join. */
  readonly network: { readonly mode: 'new' | 'host' } | { readonly mode: 'path'; readonly path: string };
  readonly privileged: boolean;
  readonly capAdd: readonly string[];
  readonly capDrop: readonly string[];
  readonly noNewPrivileges: boolean;
  /** Path to a seccomp profile in docker's JSON format, `unconfined`, or undefined for the default. */
  readonly seccompProfile?: string;
  readonly memory: number;
  readonly memoryReservation: number;
  readonly memorySwap: number;
  readonly nanoCpus: number;
  readonly cpuShares: number;
  readonly cpuQuota: number;
  readonly cpuPeriod: number;
  readonly cpusetCpus: string;
  readonly pidsLimit: number;
  readonly oomKillDisable: boolean;
  readonly ulimits: readonly Ulimit[];
  readonly shmSize: number;
  readonly sysctls: Readonly<Record<string, string>>;
  readonly tmpfs: Readonly<Record<string, string>>;
  readonly devices: readonly { pathOnHost: string; pathInContainer: string; cgroupPermissions: string }[];
  /** Device cgroup rules (`c 1:3 mr`) added after the devices' own; ignored when privileged, as docker does. */
  readonly deviceCgroupRules?: readonly string[];
  /** Share the host's PID namespace. */
  readonly hostPid?: boolean;
  /** Join this PID namespace (`/proc/<pid>/ns/pid` of another container). */
  readonly pidNamespace?: string;
  /** Share the host's UTS namespace: no hostname or domainname is set. */
  readonly hostUts?: boolean;
  /** Share the host's IPC namespace. */
  readonly hostIpc?: boolean;
  /** Join this IPC namespace (`/proc/<pid>/ns/ipc` of another container). */
  readonly ipcNamespace?: string;
  /** Replace the default masked and read-only paths (absent: the defaults). */
  readonly maskedPaths?: readonly string[];
  readonly readonlyPaths?: readonly string[];
  /** The process's OOM score adjustment (absent: inherited). */
  readonly oomScoreAdj?: number;
  /** The cgroup namespace: `private` unshares it; absent: private on cgroup v2 only (docker's default). */
  readonly cgroupns?: 'host' | 'private';
  /** Real-time CPU runtime and period (µs); set only when > 0. */
  readonly cpuRealtimeRuntime?: number;
  readonly cpuRealtimePeriod?: number;
  readonly annotations: Readonly<Record<string, string>>;
  /** cgroup path for the runtime, e.g. `/berth/<id>` (cgroupfs driver). */
  readonly cgroupsPath: string;
}

export interface OciMount {
  readonly destination: string;
  readonly type?: string;
  readonly source?: string;
  readonly options?: readonly string[];
}

/** The OCI runtime spec document (config.json); typed loosely, validated by the runtime. */
export type OciSpec = Record<string, unknown> & { ociVersion: string };

export interface RuntimeBinary {
  /** `runc` or `crun` (or the name given in config). */
  readonly name: string;
  readonly path: string;
}

export interface CreateOptions {
  /** Directory holding config.json (rootfs is absolute inside it). */
  readonly bundle: string;
  /** conmon's k8s-file log. */
  readonly logPath: string;
  /**
   * Bytes (`--log-size-max`): when the next record would pass it, conmon goes
   * on in a new file it renames over `logPath` (the old one is dropped unless
   * it has another name). Absent or ≤ 0: no limit.
   */
  readonly logMaxSize?: number;
  readonly terminal: boolean;
  /** Keep stdin open for attach. */
  readonly stdin: boolean;
  /** With `stdin`: close the container's stdin when an attached client ends its input (docker's StdinOnce); otherwise it stays open for the next attach. */
  readonly stdinOnce?: boolean;
  /** The spec's linux.cgroupsPath: its memory cgroup's OOM count tells an OOM kill from another SIGKILL at once (conmon-exit.ts). */
  readonly cgroupsPath?: string;
  /** What prepareCreate(id) returned: create waits for it instead of doing that work itself. */
  readonly prepared?: Promise<void>;
}

export interface ExitStatus {
  readonly exitCode: number;
  readonly oomKilled: boolean;
  /** ISO time the exit was recorded. */
  readonly finishedAt: string;
}

export interface RuntimeState {
  /** As the OCI runtime reports it. */
  readonly status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  readonly pid: number;
}

/**
 * conmon + OCI runtime. Per container, conmon keeps stdio and the log and writes
 * the exit code to `<execRoot>/exits/<id>`; the container and its conmon outlive berthd.
 */
export interface ContainerRuntime {
  readonly binary: RuntimeBinary;
  /**
   * Starts conmon, which runs `<runtime> create`; resolves when the container
   * exists (state `created`) with its pid. Throws Internal with the runtime's
   * own error text (e.g. "exec: \"nosuch\": executable file not found in $PATH").
   */
  create(id: string, options: CreateOptions): Promise<{ pid: number }>;
  /**
   * The part of create that needs no bundle (the monitor's directories, what a
   * previous run of the same id left), begun early so that it runs while the
   * caller mounts the rootfs and writes the bundle; its promise goes to create
   * as CreateOptions.prepared.
   */
  prepareCreate?(id: string): Promise<void>;
  /** `<runtime> start`. */
  start(id: string): Promise<void>;
  /** Sends a signal (name like SIGTERM or number) to the init process. NotFound if gone. */
  kill(id: string, signal: string | number): Promise<void>;
  /**
   * A stop's signal: kill(), and when the init could not take it yet (the
   * container's program not loaded, or no handler in a pid namespace's init:
   * signal-fate.ts), the same signal once more as soon as it can, watched until
   * `until` aborts; `resent` is called then. Resolves after the first send.
   */
  stopSignal?(id: string, signal: string | number, watch: { until: AbortSignal; resent?: () => void }): Promise<void>;
  /** Removes the runtime's state (force: kill first). Absent is not an error. */
  delete(id: string, options?: { force?: boolean }): Promise<void>;
  /** The runtime's view, or undefined if it does not know the container. */
  state(id: string): Promise<RuntimeState | undefined>;
  /** The recorded exit, once conmon has written it. */
  exitStatus(id: string): Promise<ExitStatus | undefined>;
  /** Resolves when the exit file appears (also if it already exists). Works across berthd restarts. */
  waitExit(id: string, signal?: AbortSignal): Promise<ExitStatus>;
  /** Removes conmon's per-container files (exit file, pid files, sockets). */
  cleanup(id: string): Promise<void>;
  /** pid of conmon for the container, if running. */
  conmonPid(id: string): Promise<number | undefined>;
  /**
   * Connects to the container's stdio through its monitor (after create(), before
   * or after start()). NotFound when the monitor is not running.
   */
  attach(id: string): Promise<AttachConnection>;
  /** Sets the container's terminal size. NotFound when the monitor is not running. */
  resize(id: string, size: { height: number; width: number }): Promise<void>;
  /**
   * Runs another process in the running container under its own monitor; see
   * conmon-exec.ts. Internal with the runtime's message when it cannot start.
   */
  exec(id: string, execId: string, options: ExecProcessOptions): Promise<ExecProcess>;
  /** Freezes every process of the container (`<runtime> pause`). */
  pause(id: string): Promise<void>;
  /** Thaws a paused container (`<runtime> resume`). */
  resume(id: string): Promise<void>;
  /** Host pids of every process in the container (`<runtime> ps`). */
  pids(id: string): Promise<number[]>;
  /**
   * Whether the monitor caps the container's log itself (CreateOptions.logMaxSize
   * given); false for a container started by a berthd from before that, whose
   * log berthd still rotates (reopenLog) until it restarts; undefined when the
   * monitor is not running.
   */
  logCapped?(id: string): Promise<boolean | undefined>;
  /** Has the monitor write on in a fresh file at the log path (after berthd renamed the old one). NotFound when not running. */
  reopenLog?(id: string): Promise<void>;
  /** Changes a running container's cgroup limits (`<runtime> update --resources`, OCI LinuxResources). */
  update?(id: string, resources: Readonly<Record<string, unknown>>): Promise<void>;
}

export type { LogLine } from '../core/types.ts';

export interface ReadLogsOptions {
  readonly follow?: boolean;
  /** Unix seconds (fractional allowed); lines before are skipped. */
  readonly since?: number;
  readonly until?: number;
  /** Last N lines; undefined/negative: all. */
  readonly tail?: number;
  readonly signal?: AbortSignal;
  /** Resolves when following should stop (container exited); checked when the file stops growing. */
  readonly stopWhen?: Promise<unknown>;
}
