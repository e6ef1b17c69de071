// client: the Docker Engine API wire shapes the client sends and reads (v1.47),
// only the fields berth uses; everything else passes through untouched.

export interface Port {
  readonly IP?: string;
  readonly PrivatePort: number;
  readonly PublicPort?: number;
  readonly Type: string;
}

export interface MountPoint {
  readonly Type?: string;
  readonly Name?: string;
  readonly Source?: string;
  readonly Destination?: string;
}

export interface ContainerSummary {
  readonly Id: string;
  readonly Names?: readonly string[] | null;
  readonly Image?: string;
  readonly ImageID?: string;
  readonly Command?: string;
  readonly Created?: number;
  readonly Ports?: readonly Port[] | null;
  readonly SizeRw?: number;
  readonly SizeRootFs?: number;
  readonly Labels?: Readonly<Record<string, string>> | null;
  readonly State?: string;
  readonly Status?: string;
  readonly HostConfig?: { readonly NetworkMode?: string };
  readonly NetworkSettings?: { readonly Networks?: Readonly<Record<string, unknown>> | null } | null;
  readonly Mounts?: readonly MountPoint[] | null;
}

export interface ContainerCreateBody {
  Hostname?: string;
  User?: string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Env?: string[];
  Cmd?: string[];
  Entrypoint?: string[];
  Image: string;
  Labels?: Record<string, string>;
  WorkingDir?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Volumes?: Record<string, Record<string, never>>;
  StopSignal?: string;
  StopTimeout?: number;
  HostConfig?: HostConfigBody;
  NetworkingConfig?: { EndpointsConfig: Record<string, { Aliases?: string[]; IPAMConfig?: { IPv4Address?: string } }> };
}

export interface HostConfigBody {
  AutoRemove?: boolean;
  LogConfig?: { Type: string; Config: Record<string, string> };
  /** [height, width] of the TTY at start. */
  ConsoleSize?: [number, number];
  NetworkMode?: string;
  Runtime?: string;
  Memory?: number;
  NanoCpus?: number;
  PidsLimit?: number;
  PortBindings?: Record<string, { HostIp: string; HostPort: string }[]>;
  PublishAllPorts?: boolean;
  Binds?: string[];
  Mounts?: MountBody[];
  Tmpfs?: Record<string, string>;
  VolumesFrom?: string[];
}

/** A HostConfig.Mounts entry as `--mount` builds it. */
export interface MountBody {
  Type: 'bind' | 'volume' | 'tmpfs';
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean; ReadOnlyNonRecursive?: boolean; ReadOnlyForceRecursive?: boolean };
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string>; DriverConfig?: { Name?: string; Options?: Record<string, string> } };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

export interface ContainerCreateResponse {
  readonly Id: string;
  readonly Warnings?: readonly string[] | null;
}

export interface ContainerWaitResponse {
  readonly StatusCode: number;
  readonly Error?: { readonly Message?: string } | null;
}

/** Inspect output is shown as-is; only these fields are read by the CLI. */
export interface ContainerInspect {
  readonly Id: string;
  readonly Name?: string;
  readonly Config?: { readonly Tty?: boolean; readonly OpenStdin?: boolean } | null;
  readonly State?: { readonly Running?: boolean; readonly Status?: string; readonly ExitCode?: number } | null;
  readonly [key: string]: unknown;
}

export interface ImageSummary {
  readonly Id: string;
  readonly ParentId?: string;
  readonly RepoTags?: readonly string[] | null;
  readonly RepoDigests?: readonly string[] | null;
  readonly Created?: number;
  readonly Size?: number;
  readonly SharedSize?: number;
  readonly VirtualSize?: number;
  readonly Labels?: Readonly<Record<string, string>> | null;
  readonly Containers?: number;
}

export interface ImageInspect {
  readonly Id: string;
  readonly [key: string]: unknown;
}

export interface HistoryItem {
  readonly Id: string;
  readonly Created: number;
  readonly CreatedBy: string;
  readonly Tags?: readonly string[] | null;
  readonly Size: number;
  readonly Comment: string;
}

export interface ImageDeleteItem {
  readonly Untagged?: string;
  readonly Deleted?: string;
}

export interface VersionInfo {
  readonly Version?: string;
  readonly ApiVersion?: string;
  readonly MinAPIVersion?: string;
  readonly GitCommit?: string;
  readonly GoVersion?: string;
  readonly Os?: string;
  readonly Arch?: string;
  readonly KernelVersion?: string;
  readonly BuildTime?: string;
  readonly Experimental?: boolean;
  readonly Components?: readonly { readonly Name: string; readonly Version: string; readonly Details?: Readonly<Record<string, string>> }[] | null;
  readonly Platform?: { readonly Name?: string };
}

export type SystemInfo = Readonly<Record<string, unknown>>;

/** Filters as docker's CLI sends them: `{"name":{"web":true}}`. */
export type Filters = Record<string, Record<string, boolean>>;
