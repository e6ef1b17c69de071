// System routes: `/_ping`, `/version`, `/info`.
import { release } from 'node:os';
import type { RequestContext, Router } from '../router.ts';
import { sendJson } from '../http-util.ts';
import { maxApiVersion, minApiVersion, versionLess } from '../version.ts';
import { serverVersion } from '../../engine/index.ts';

function goArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch;
}

export function addSystemRoutes(router: Router): void {
  const ping = async ({ req, res }: RequestContext) => {
    const headers = { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache, no-store, must-revalidate', Pragma: 'no-cache', 'Builder-Version': '1', 'Content-Length': req.method === 'HEAD' ? '0' : '2' };
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : 'OK');
  };
  router.add('GET', '/_ping', ping);
  router.add('HEAD', '/_ping', ping);

  router.add('GET', '/version', async ({ res, engine }) => {
    const info = await engine.system.info();
    sendJson(res, 200, {
      Platform: { Name: 'berth' },
      Components: [
        {
          Name: 'Engine',
          Version: serverVersion,
          Details: {
            ApiVersion: maxApiVersion,
            Arch: goArch(),
            BuildTime: '',
            Experimental: 'false',
            GitCommit: '',
            GoVersion: `node${process.versions.node}`,
            KernelVersion: release(),
            MinAPIVersion: minApiVersion,
            Os: 'linux',
          },
        },
        ...info.components.map((c) => ({ Name: c.name, Version: c.version, Details: { GitCommit: c.commit } })),
      ],
      Version: serverVersion,
      ApiVersion: maxApiVersion,
      MinAPIVersion: minApiVersion,
      GitCommit: '',
      GoVersion: `node${process.versions.node}`,
      Os: 'linux',
      Arch: goArch(),
      KernelVersion: release(),
      BuildTime: '',
    });
  });

  router.add('GET', '/info', async ({ res, engine, version }) => {
    const i = await engine.system.info();
    // A commit as dockerd shows it until API 1.49; berth expects no particular build, so what it found is what it expects.
    const commit = (id: string) => ({ ID: id, Expected: id });
    // From 1.42 dockerd leaves out kernel-memory support it does not have.
    const kernelMemory = versionLess(version, '1.42') ? { KernelMemory: false, KernelMemoryTCP: false } : {};
    sendJson(res, 200, {
      ID: i.id,
      Containers: i.containers.total,
      ContainersRunning: i.containers.running,
      ContainersPaused: i.containers.paused,
      ContainersStopped: i.containers.stopped,
      Images: i.images,
      Driver: i.storageDriver,
      DriverStatus: [
        ['Backing Filesystem', i.backingFilesystem],
        ['Supports d_type', 'true'],
        ['Using metacopy', 'false'],
        ['Native Overlay Diff', 'true'],
        ['userxattr', 'false'],
      ],
      Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'null'], Authorization: null, Log: ['k8s-file'] },
      MemoryLimit: true,
      SwapLimit: i.swapLimit,
      ...kernelMemory,
      CpuCfsPeriod: true,
      CpuCfsQuota: true,
      CPUShares: true,
      CPUSet: true,
      PidsLimit: true,
      IPv4Forwarding: i.ipv4Forwarding,
      BridgeNfIptables: i.bridgeNfIptables,
      BridgeNfIp6tables: i.bridgeNfIp6tables,
      Debug: false,
      NFd: 0,
      OomKillDisable: i.cgroupVersion === '1',
      NGoroutines: 0,
      SystemTime: i.systemTime,
      LoggingDriver: 'k8s-file',
      CgroupDriver: i.cgroupDriver,
      CgroupVersion: i.cgroupVersion,
      NEventsListener: 0,
      KernelVersion: i.kernelVersion,
      OperatingSystem: i.operatingSystem,
      OSVersion: i.osVersion,
      OSType: i.osType,
      Architecture: i.architecture,
      IndexServerAddress: 'https://index.docker.io/v1/',
      RegistryConfig: {
        AllowNondistributableArtifactsCIDRs: [],
        AllowNondistributableArtifactsHostnames: [],
        InsecureRegistryCIDRs: ['127.0.0.0/8', '::1/128'],
        IndexConfigs: { 'docker.io': { Name: 'docker.io', Mirrors: i.registryMirrors, Secure: true, Official: true } },
        Mirrors: i.registryMirrors,
      },
      NCPU: i.ncpu,
      MemTotal: i.memTotal,
      GenericResources: null,
      DockerRootDir: i.dataRoot,
      HttpProxy: '',
      HttpsProxy: '',
      NoProxy: '',
      Name: i.name,
      Labels: [],
      ExperimentalBuild: false,
      ServerVersion: i.serverVersion,
      Runtimes: Object.fromEntries(i.runtimes.map((r) => [r.name, { path: r.path }])),
      DefaultRuntime: i.defaultRuntime,
      Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
      LiveRestoreEnabled: true,
      Isolation: '',
      InitBinary: i.initBinary,
      ContainerdCommit: commit(''),
      RuncCommit: commit(i.components.find((c) => c.name === i.defaultRuntime)?.commit ?? ''),
      InitCommit: commit(''),
      SecurityOptions: i.securityOptions,
      // Fields of later API versions: CDISpecDirs from 1.44, Containerd from 1.46.
      ...(versionLess(version, '1.44') ? {} : { CDISpecDirs: [] }),
      ...(versionLess(version, '1.46') ? {} : { Containerd: null }),
      Warnings: i.warnings.length === 0 ? null : i.warnings,
    });
  });
}
