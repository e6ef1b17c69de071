// The engine's ContainerSpec for a CRI object, starting from the defaults
// docker's create would fill in: no restart policy (kubelet restarts), a log
// that the engine never rotates (kubelet rotates CRI logs itself), no
// published ports (a pod's ports are CNI portmap's), and the pod's namespaces.
import type { ContainerSpec, HostSpec } from '../core/types.ts';
import type { SandboxFacts } from './labels.ts';

export function baseSpec(image: string, labels: Readonly<Record<string, string>>, host: Partial<HostSpec>): ContainerSpec {
  return {
    image,
    env: [],
    labels,
    tty: false,
    openStdin: false,
    stdinOnce: false,
    attachStdin: false,
    attachStdout: false,
    attachStderr: false,
    exposedPorts: [],
    volumes: [],
    networkDisabled: false,
    host: {
      networkMode: 'none',
      autoRemove: false,
      binds: [],
      mounts: [],
      memory: 0,
      memoryReservation: 0,
      memorySwap: 0,
      nanoCpus: 0,
      cpuShares: 0,
      cpuQuota: 0,
      cpuPeriod: 0,
      cpusetCpus: '',
      pidsLimit: 0,
      privileged: false,
      capAdd: [],
      capDrop: [],
      securityOpt: [],
      readonlyRootfs: false,
      tmpfs: {},
      ulimits: [],
      shmSize: 0,
      sysctls: {},
      extraHosts: [],
      dns: [],
      dnsSearch: [],
      dnsOptions: [],
      init: false,
      restartPolicy: { name: 'no', maximumRetryCount: 0 },
      logConfig: { type: 'json-file', config: { 'max-size': '-1' } },
      portBindings: {},
      publishAllPorts: false,
      devices: [],
      oomKillDisable: false,
      ...host,
    },
  };
}

/** The namespaces, DNS and cgroup of a pod, as its infra container and each of its containers get them. */
export function podHost(facts: SandboxFacts): Partial<HostSpec> {
  return {
    networkMode: facts.hostNetwork ? 'host' : `ns:${facts.netns}`,
    ...(facts.hostNetwork ? { utsMode: 'host' } : {}),
    dns: facts.dns.servers,
    dnsSearch: facts.dns.searches,
    dnsOptions: facts.dns.options,
    ...(facts.cgroupParent !== '' ? { cgroupParent: facts.cgroupParent } : {}),
  };
}
