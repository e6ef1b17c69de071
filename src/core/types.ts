// Domain types shared by engine/ and its adapters. These are berth's own shapes,
// not Docker's wire shapes: api/ converts Docker's Config/HostConfig into a
// ContainerSpec and a Container back into inspect JSON, so that a second front
// door (CRI) can drive the same engine.
import type { Digest } from './digest.ts';

export const containerStatuses = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'] as const;
export type ContainerStatus = (typeof containerStatuses)[number];

export interface Ulimit {
  readonly name: string;
  readonly soft: number;
  readonly hard: number;
}

export interface RestartPolicy {
  readonly name: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  readonly maximumRetryCount: number;
}

export interface LogConfig {
  readonly type: string;
  readonly config: Readonly<Record<string, string>>;
}

export interface MountSpec {
  /** `image`: an image's filesystem, read-only (source: its reference or id; Kubernetes' image volumes, docker's `--mount type=image`). */
  readonly type: 'bind' | 'volume' | 'tmpfs' | 'image';
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
  readonly options?: readonly string[];
  /** Bind mounts: `rprivate` (default), `private`, `rshared`, `shared`, `rslave`, `slave`. */
  readonly bindPropagation?: string;
  /** Bind mounts (docker's BindOptions.ReadOnlyForceRecursive, API 1.44): read-only submounts too (the runtime's `rro`) or the start fails; needs readOnly. */
  readonly readOnlyForceRecursive?: boolean;
  /** Bind mounts (docker's BindOptions.ReadOnlyNonRecursive, API 1.44): a read-only bind whose submounts stay as they are (plain `ro`). */
  readonly readOnlyNonRecursive?: boolean;
  /** Volume mounts: do not copy the image's content into an empty volume. */
  readonly noCopy?: boolean;
  readonly volumeLabels?: Readonly<Record<string, string>>;
  readonly volumeDriver?: string;
  readonly volumeDriverOptions?: Readonly<Record<string, string>>;
  /** tmpfs mounts: bytes (0: the kernel's default) and octal mode. */
  readonly tmpfsSize?: number;
  readonly tmpfsMode?: number;
  /** Image mounts: a directory of the image to mount instead of its root. */
  readonly imageSubpath?: string;
}

/**
 * One mount a container has, resolved at create time (docker's MountPoint):
 * binds with their host path, volumes with their name and host mountpoint,
 * tmpfs from `--mount type=tmpfs`.
 */
export interface MountPoint {
  readonly type: 'bind' | 'volume' | 'tmpfs' | 'image';
  /** Host path (bind, volume's `_data`, the image's read-only view or its subpath there); empty for tmpfs. */
  readonly source: string;
  readonly destination: string;
  /** Volume name (volumes only). */
  readonly name?: string;
  readonly driver?: string;
  /** The mode text as given (`ro`, `z`, `rw,rshared`…), as inspect shows it. */
  readonly mode: string;
  readonly rw: boolean;
  /** Bind propagation as inspect shows it (`rprivate` by default); empty for others. */
  readonly propagation: string;
  readonly noCopy?: boolean;
  /** tmpfs mount options (size=…, mode=…). */
  readonly tmpfsOptions?: readonly string[];
  /** A bind that must be read-only with its submounts (MountSpec.readOnlyForceRecursive, `-v …:rro`): `rro` or the start fails. */
  readonly recursiveReadOnly?: boolean;
  /**
   * A read-only bind that is read-only at its top only (ReadOnlyNonRecursive, `-v …:ro-non-recursive`,
   * or any read-only bind of a container created through API < 1.44). Other read-only binds are
   * recursively read-only when the runtime and the kernel can (docker 25's default).
   */
  readonly readOnlyNonRecursive?: boolean;
  /** Image mounts: the image and the view of it that the container's mount binds. */
  readonly image?: ImageMountSource;
}

/** What an image mount mounts, fixed at create. */
export interface ImageMountSource {
  /** The reference as asked for (a name, `name@digest` or an id). */
  readonly ref: string;
  readonly id: Digest;
  /** The image's layers (chain ids), top first as the snapshotter takes them. */
  readonly layers: readonly Digest[];
  /** The snapshotter's view key (a read-only overlay of the layers). */
  readonly view: string;
  /** The subpath as asked for ('' for the image's root). */
  readonly subpath: string;
}

export interface HealthcheckSpec {
  /** ["NONE"], ["CMD", ...], ["CMD-SHELL", cmd] as in the image config. */
  readonly test: readonly string[];
  readonly intervalNs?: number;
  readonly timeoutNs?: number;
  readonly startPeriodNs?: number;
  readonly retries?: number;
}

/** What the user asked for when creating a container (docker's Config + HostConfig). */
export interface ContainerSpec {
  /** The image as the user named it (`busybox`, an id, `x@sha256:…`). */
  readonly image: string;
  /** undefined: take the image's; [] or [""] for entrypoint: reset it. */
  readonly cmd?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly env: readonly string[];
  readonly workingDir?: string;
  readonly user?: string;
  readonly hostname?: string;
  readonly domainname?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly tty: boolean;
  readonly openStdin: boolean;
  readonly stdinOnce: boolean;
  readonly attachStdin: boolean;
  readonly attachStdout: boolean;
  readonly attachStderr: boolean;
  readonly stopSignal?: string;
  /** Seconds; undefined means the engine default (10). */
  readonly stopTimeout?: number;
  readonly exposedPorts: readonly string[];
  readonly volumes: readonly string[];
  readonly healthcheck?: HealthcheckSpec;
  readonly networkDisabled: boolean;
  /** Per-network endpoint requests (aliases, a fixed address) by network name; the primary network is host.networkMode. */
  readonly endpoints?: Readonly<Record<string, EndpointSpec>>;
  /** The network named by host.networkMode was disconnected: as in docker, the mode stays and the container is on `endpoints` only (none left: loopback only). */
  readonly modeNetworkDisconnected?: boolean;
  readonly host: HostSpec;
}

export interface HostSpec {
  /** `default`, `bridge`, `none`, `host`, `container:<id>`, `ns:<path>` (join that network namespace, as podman's), or a network name. */
  readonly networkMode: string;
  readonly autoRemove: boolean;
  readonly runtime?: string;
  readonly binds: readonly string[];
  readonly mounts: readonly MountSpec[];
  /** Created through API < 1.44 (docker's DefaultReadOnlyNonRecursive): its read-only binds stay non-recursively read-only. */
  readonly defaultReadOnlyNonRecursive?: boolean;
  readonly memory: number;
  readonly memoryReservation: number;
  readonly memorySwap: number;
  readonly nanoCpus: number;
  readonly cpuShares: number;
  readonly cpuQuota: number;
  readonly cpuPeriod: number;
  readonly cpusetCpus: string;
  /** 0 or negative: unlimited. */
  readonly pidsLimit: number;
  readonly privileged: boolean;
  readonly capAdd: readonly string[];
  readonly capDrop: readonly string[];
  readonly securityOpt: readonly string[];
  readonly readonlyRootfs: boolean;
  readonly tmpfs: Readonly<Record<string, string>>;
  readonly ulimits: readonly Ulimit[];
  /** Bytes; 0 means the default 64 MiB. */
  readonly shmSize: number;
  readonly sysctls: Readonly<Record<string, string>>;
  readonly extraHosts: readonly string[];
  readonly dns: readonly string[];
  readonly dnsSearch: readonly string[];
  readonly dnsOptions: readonly string[];
  readonly init: boolean;
  /** --group-add: extra groups (names or gids) for the container's process. */
  readonly groupAdd?: readonly string[];
  /**
   * The user's groups in the image's /etc/group, besides groupAdd: absent, docker's rule (only
   * when `user` names no group); `merge`, always; `strict`, never (the CRI's SupplementalGroupsPolicy).
   */
  readonly imageGroups?: 'merge' | 'strict';
  readonly restartPolicy: RestartPolicy;
  readonly logConfig: LogConfig;
  readonly portBindings: Readonly<Record<string, readonly { hostIp: string; hostPort: string }[]>>;
  readonly publishAllPorts: boolean;
  readonly devices: readonly { pathOnHost: string; pathInContainer: string; cgroupPermissions: string }[];
  readonly oomKillDisable: boolean;
  /** `--volumes-from`: `<container>[:ro|rw]`. */
  readonly volumesFrom?: readonly string[];
  /** Initial TTY size [height, width] (API 1.42+); absent or [0, 0]: the runtime's default. */
  readonly consoleSize?: readonly [number, number];
  /** `host`: the host's PID namespace; anything else (as in docker): a private one. */
  readonly pidMode?: string;
  /** `host`: the host's UTS namespace (hostname, domainname); else a private one. */
  readonly utsMode?: string;
  /** `host`: the host's IPC namespace; `container:<id>`: that running container's; else a private one. */
  readonly ipcMode?: string;
  /** The cgroup under which the container's own cgroup is made (docker's --cgroup-parent); default `/berth`. */
  readonly cgroupParent?: string;
  /**
   * Paths masked in the container (hidden) and made read-only, replacing the
   * runtime's defaults when given (the CRI's security context sets them); ignored when privileged.
   */
  readonly maskedPaths?: readonly string[];
  readonly readonlyPaths?: readonly string[];
  /** OOM score adjustment of the container's process (docker's --oom-score-adj). */
  readonly oomScoreAdj?: number;
  /** `default` or empty (Linux knows no other isolation). */
  readonly isolation?: string;
  /** Device cgroup rules `c 1:3 mr` (type a|b|c, major and minor numbers or `*`, access rwm). */
  readonly deviceCgroupRules?: readonly string[];
  /** The default volume driver for this container's named volumes (`local`). */
  readonly volumeDriver?: string;
  /** Legacy links on the default bridge: the linked container's name (as given at create) and the alias. */
  readonly links?: readonly ContainerLink[];
  /** `host` or `private` cgroup namespace, as given or the engine's default for its cgroup version at create. */
  readonly cgroupnsMode?: 'host' | 'private';
  /** Real-time CPU runtime and period in microseconds (cgroup v1 `cpu.rt_*`); 0 or absent: unset. */
  readonly cpuRealtimeRuntime?: number;
  readonly cpuRealtimePeriod?: number;
  /** KernelMemory and KernelMemoryTCP as given (API < 1.42); shown, not applied (runc ignores kernel memory limits). */
  readonly kernelMemory?: number;
  readonly kernelMemoryTcp?: number;
  /** Limits dockerd range-checks at create that berth does not apply (absent: unset). */
  readonly memorySwappiness?: number;
  readonly cpusetMems?: string;
  readonly ioMaximumBandwidth?: number;
  readonly ioMaximumIops?: number;
  /**
   * Wire facts dockerd echoes in inspect: the list fields the create body gave
   * as empty lists (shown `[]`; an absent one is `null`), and whether the body
   * had no HostConfig at all (dockerd then fills in no defaults until start).
   */
  readonly givenEmpty?: readonly string[];
  readonly hostConfigOmitted?: boolean;
  /** The create body named no restart policy (dockerd echoes the empty name, meaning no). */
  readonly restartPolicyUnnamed?: boolean;
}

/** One legacy link (`--link name:alias`). */
export interface ContainerLink {
  readonly name: string;
  readonly alias: string;
}

export interface ContainerState {
  readonly status: ContainerStatus;
  readonly pid: number;
  readonly exitCode: number;
  readonly oomKilled: boolean;
  readonly error: string;
  /** ISO 8601 with nanoseconds as docker prints; `0001-01-01T00:00:00Z` when never. */
  readonly startedAt: string;
  readonly finishedAt: string;
  /** The health check's verdict while one is configured (docker's State.Health). */
  readonly health?: HealthState;
}

/** One health probe's result (docker keeps the last five). */
export interface HealthLogEntry {
  readonly start: string;
  readonly end: string;
  readonly exitCode: number;
  readonly output: string;
}

export interface HealthState {
  readonly status: 'starting' | 'healthy' | 'unhealthy';
  readonly failingStreak: number;
  readonly log: readonly HealthLogEntry[];
}

/** A container as the engine keeps it. */
export interface Container {
  readonly id: string;
  /** Without the leading slash. */
  readonly name: string;
  readonly created: string;
  readonly imageId: Digest;
  readonly spec: ContainerSpec;
  /** The resolved process: entrypoint + cmd after merging with the image. */
  readonly path: string;
  readonly args: readonly string[];
  /** Env after merging with the image's. */
  readonly env: readonly string[];
  readonly hostname: string;
  readonly state: ContainerState;
  readonly restartCount: number;
  readonly runtime: string;
  readonly logPath: string;
  readonly hostnamePath: string;
  readonly hostsPath: string;
  readonly resolvConfPath: string;
  readonly sizeRw?: number;
  readonly sizeRootFs?: number;
  /** Binds, volumes and tmpfs mounts resolved at create (absent on containers made before volumes existed). */
  readonly mountPoints?: readonly MountPoint[];
  /** The overlay directories of the container's root filesystem (inspect's GraphDriver.Data), filled by inspect. */
  readonly graphDriver?: { readonly lowerDir: string; readonly upperDir: string; readonly workDir: string; readonly mergedDir: string };
  /** The live network attachment while the container runs (set at start, cleared at exit). */
  readonly network?: NetworkState;
}

/** What the user asked for on one network (docker's EndpointSettings input). */
export interface EndpointSpec {
  readonly aliases: readonly string[];
  readonly ipv4Address?: string;
  /** --mac-address / EndpointSettings.MacAddress: the interface's MAC address (`02:42:…`). */
  readonly macAddress?: string;
  /** EndpointSettings.Links (`name:alias`), IPAMConfig.LinkLocalIPs and DriverOpts: kept and shown as given. */
  readonly links?: readonly string[];
  readonly linkLocalIps?: readonly string[];
  readonly driverOpts?: Readonly<Record<string, string>>;
  /** IPAMConfig.IPv6Address: a fixed address on a network with EnableIPv6 (shown on any). */
  readonly ipv6Address?: string;
}

/** One network endpoint of a running container. */
export interface EndpointState {
  readonly networkId: string;
  readonly networkName: string;
  readonly endpointId: string;
  readonly ipAddress: string;
  readonly prefixLen: number;
  readonly gateway: string;
  /** The endpoint's global IPv6 address on a network with EnableIPv6. */
  readonly ipv6?: { readonly address: string; readonly prefixLen: number; readonly gateway: string };
  readonly macAddress: string;
  readonly aliases: readonly string[];
  /** Names the embedded DNS answers for this endpoint (empty on the default bridge). */
  readonly dnsNames: readonly string[];
}

export interface PortBinding {
  readonly hostIp: string;
  readonly hostPort: string;
}

export interface NetworkState {
  /** Path of the network namespace the container joins. */
  readonly sandboxKey: string;
  /** By network name. */
  readonly endpoints: Readonly<Record<string, EndpointState>>;
  /** Published ports as docker shows them: `80/tcp` → bindings. */
  readonly ports: Readonly<Record<string, readonly PortBinding[]>>;
}

/** One line of a container's log (stdout or stderr), as the runtime reads it back. */
export interface LogLine {
  readonly stream: 'stdout' | 'stderr';
  /** RFC 3339 with nanoseconds, as written by conmon. */
  readonly time: string;
  /** Content including the trailing newline when the line was complete. */
  readonly data: Buffer;
}
