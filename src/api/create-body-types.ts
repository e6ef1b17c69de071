// The Go types dockerd decodes `POST /containers/create` into
// (runconfig.ContainerConfigWrapper: container.Config embedded, HostConfig,
// NetworkingConfig), as data for go-decode.ts. Keys are the JSON names, types
// carry Go's names, so that a wrong value is refused with dockerd's words.
import type { GoType } from './go-decode.ts';

const string: GoType = { kind: 'string' };
const bool: GoType = { kind: 'bool' };
const int: GoType = { kind: 'int' };
const int64: GoType = { kind: 'int64' };
const uint16: GoType = { kind: 'uint16' };
const uint64: GoType = { kind: 'uint64' };
const duration: GoType = { kind: 'int64', name: 'time.Duration' };
const strings: GoType = { kind: 'slice', elem: string };
const stringMap: GoType = { kind: 'map', elem: string };
const strslice: GoType = { kind: 'strslice' };
const named = (name: string): GoType => ({ kind: 'string', name });
const struct = (name: string, fields: Record<string, GoType>): GoType => ({ kind: 'struct', name, fields });
const emptyStruct: GoType = struct('struct {}', {});

const healthConfig = struct('container.HealthConfig', {
  Test: strings,
  Interval: duration,
  Timeout: duration,
  StartPeriod: duration,
  StartInterval: duration,
  Retries: int,
});

/** container.Config: its fields are promoted into the wrapper (Go names the wrapper in errors). */
const configFields: Record<string, GoType> = {
  Hostname: string,
  Domainname: string,
  User: string,
  AttachStdin: bool,
  AttachStdout: bool,
  AttachStderr: bool,
  ExposedPorts: { kind: 'map', elem: emptyStruct, name: 'nat.PortSet' },
  Tty: bool,
  OpenStdin: bool,
  StdinOnce: bool,
  Env: strings,
  Cmd: strslice,
  Healthcheck: healthConfig,
  ArgsEscaped: bool,
  Image: string,
  Volumes: { kind: 'map', elem: emptyStruct },
  WorkingDir: string,
  Entrypoint: strslice,
  NetworkDisabled: bool,
  MacAddress: string,
  OnBuild: strings,
  Labels: stringMap,
  StopSignal: string,
  StopTimeout: int,
  Shell: strslice,
};

const throttleDevices: GoType = { kind: 'slice', name: '[]*blkiodev.ThrottleDevice', elem: struct('blkiodev.ThrottleDevice', { Path: string, Rate: uint64 }) };

/** container.Resources, embedded in HostConfig. */
const resourceFields: Record<string, GoType> = {
  CpuShares: int64,
  Memory: int64,
  NanoCpus: int64,
  CgroupParent: string,
  BlkioWeight: uint16,
  BlkioWeightDevice: { kind: 'slice', name: '[]*blkiodev.WeightDevice', elem: struct('blkiodev.WeightDevice', { Path: string, Weight: uint16 }) },
  BlkioDeviceReadBps: throttleDevices,
  BlkioDeviceWriteBps: throttleDevices,
  BlkioDeviceReadIOps: throttleDevices,
  BlkioDeviceWriteIOps: throttleDevices,
  CpuPeriod: int64,
  CpuQuota: int64,
  CpuRealtimePeriod: int64,
  CpuRealtimeRuntime: int64,
  CpusetCpus: string,
  CpusetMems: string,
  Devices: { kind: 'slice', elem: struct('container.DeviceMapping', { PathOnHost: string, PathInContainer: string, CgroupPermissions: string }) },
  DeviceCgroupRules: strings,
  DeviceRequests: {
    kind: 'slice',
    elem: struct('container.DeviceRequest', { Driver: string, Count: int, DeviceIDs: strings, Capabilities: { kind: 'slice', elem: strings }, Options: stringMap }),
  },
  KernelMemory: int64,
  KernelMemoryTCP: int64,
  MemoryReservation: int64,
  MemorySwap: int64,
  MemorySwappiness: int64,
  OomKillDisable: bool,
  PidsLimit: int64,
  Ulimits: { kind: 'slice', name: '[]*units.Ulimit', elem: struct('units.Ulimit', { Name: string, Hard: int64, Soft: int64 }) },
  CpuCount: int64,
  CpuPercent: int64,
  IOMaximumIOps: uint64,
  IOMaximumBandwidth: uint64,
};

const mount = struct('mount.Mount', {
  Type: named('mount.Type'),
  Source: string,
  Target: string,
  ReadOnly: bool,
  Consistency: named('mount.Consistency'),
  BindOptions: struct('mount.BindOptions', { Propagation: named('mount.Propagation'), NonRecursive: bool, CreateMountpoint: bool, ReadOnlyNonRecursive: bool, ReadOnlyForceRecursive: bool }),
  VolumeOptions: struct('mount.VolumeOptions', {
    NoCopy: bool,
    Labels: stringMap,
    DriverConfig: struct('mount.Driver', { Name: string, Options: stringMap }),
  }),
  TmpfsOptions: struct('mount.TmpfsOptions', { SizeBytes: int64, Mode: { kind: 'uint32', name: 'fs.FileMode' } }),
});

const hostConfig = struct('container.HostConfig', {
  Binds: strings,
  ContainerIDFile: string,
  LogConfig: struct('container.LogConfig', { Type: string, Config: stringMap }),
  NetworkMode: named('container.NetworkMode'),
  PortBindings: {
    kind: 'map',
    name: 'nat.PortMap',
    elem: { kind: 'slice', name: '[]nat.PortBinding', elem: struct('nat.PortBinding', { HostIp: string, HostPort: string }) },
  },
  RestartPolicy: struct('container.RestartPolicy', { Name: string, MaximumRetryCount: int }),
  AutoRemove: bool,
  VolumeDriver: string,
  VolumesFrom: strings,
  ConsoleSize: { kind: 'array', len: 2, elem: { kind: 'uint' } },
  Annotations: stringMap,
  CapAdd: strslice,
  CapDrop: strslice,
  CgroupnsMode: named('container.CgroupnsMode'),
  Dns: strings,
  DnsOptions: strings,
  DnsSearch: strings,
  ExtraHosts: strings,
  GroupAdd: strings,
  IpcMode: named('container.IpcMode'),
  Cgroup: named('container.CgroupSpec'),
  Links: strings,
  OomScoreAdj: int,
  PidMode: named('container.PidMode'),
  Privileged: bool,
  PublishAllPorts: bool,
  ReadonlyRootfs: bool,
  SecurityOpt: strings,
  StorageOpt: stringMap,
  Tmpfs: stringMap,
  UTSMode: named('container.UTSMode'),
  UsernsMode: named('container.UsernsMode'),
  ShmSize: int64,
  Sysctls: stringMap,
  Runtime: string,
  Isolation: named('container.Isolation'),
  ...resourceFields,
  Mounts: { kind: 'slice', elem: mount },
  MaskedPaths: strings,
  ReadonlyPaths: strings,
  Init: bool,
});

const endpointSettings = struct('network.EndpointSettings', {
  IPAMConfig: struct('network.EndpointIPAMConfig', { IPv4Address: string, IPv6Address: string, LinkLocalIPs: strings }),
  Links: strings,
  Aliases: strings,
  MacAddress: string,
  DriverOpts: stringMap,
  NetworkID: string,
  EndpointID: string,
  Gateway: string,
  IPAddress: string,
  IPPrefixLen: int,
  IPv6Gateway: string,
  GlobalIPv6Address: string,
  GlobalIPv6PrefixLen: int,
  DNSNames: strings,
});

/** HostConfig's JSON field names (Resources' included), by their Go names. */
export const hostConfigFieldNames: readonly string[] = Object.keys(hostConfig.kind === 'struct' ? hostConfig.fields : {});

/**
 * runconfig.ContainerConfigWrapper (dockerd 20.10): Config and a deprecated
 * *HostConfig embedded (their fields promoted to the top level, see
 * legacy-host-config.ts), the HostConfig object and the deprecated Cpuset.
 */
export const containerCreateBody: GoType = struct('runconfig.ContainerConfigWrapper', {
  ...(hostConfig.kind === 'struct' ? hostConfig.fields : {}),
  ...configFields,
  HostConfig: hostConfig,
  Cpuset: string,
  NetworkingConfig: struct('network.NetworkingConfig', { EndpointsConfig: { kind: 'map', name: 'map[string]*network.EndpointSettings', elem: endpointSettings } }),
});
