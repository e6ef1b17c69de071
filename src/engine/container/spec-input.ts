// From a container record to the runtime's SpecInput for a start: user and
// groups resolved in its rootfs, environment, mounts, the network and PID
// namespaces it joins, security options and resource limits.
import { conflict, internal, invalidArgument } from '../../core/errors.ts';
import type { Container, MountPoint } from '../../core/types.ts';
import type { SpecInput } from '../../runtime/index.ts';
import { parseBind, parseMountSpec } from '../../volume/index.ts';
import { mergeEnv, processEnv } from './config.ts';
import type { ContainerContext } from './context.ts';
import type { ResolvedLinks } from './links.ts';
import { groupAddGids, seccompProfilePath, userWithImageGroups, withInit } from './spec-extras.ts';

const defaultPath = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const defaultShmSize = 64 * 1024 * 1024;

export async function specInput(ctx: ContainerContext, c: Container, options: { rootfs: string; links: ResolvedLinks }): Promise<SpecInput> {
  const { rootfs, links } = options;
  const h = c.spec.host;
  const baseUser = await userWithImageGroups(rootfs, c.spec.user ?? '', h.imageGroups);
  const extraGids = await groupAddGids(rootfs, h.groupAdd ?? []);
  const user = extraGids.length === 0 ? baseUser : { ...baseUser, additionalGids: [...baseUser.additionalGids, ...extraGids.filter((g) => !baseUser.additionalGids.includes(g))] };
  const init = h.init ? withInit([c.path, ...c.args]) : undefined;
  const mounts = await ctx.d.mounts.ociMounts(c.mountPoints !== undefined ? c : { ...c, mountPoints: legacyMountPoints(c) }, rootfs);
  const env = processEnv(mergeEnv([defaultPath, `HOSTNAME=${c.hostname}`, ...(c.spec.tty ? ['TERM=xterm'] : [])], links.env), c.env);
  let network: SpecInput['network'] = c.network ? { mode: 'path', path: c.network.sandboxKey } : { mode: 'new' };
  if (h.networkMode === 'host') network = { mode: 'host' };
  else if (h.networkMode.startsWith('ns:')) network = { mode: 'path', path: h.networkMode.slice('ns:'.length) };
  else if (h.networkMode.startsWith('container:')) {
    const other = ctx.reg.find(h.networkMode.slice('container:'.length));
    if (other.state.status !== 'running') throw conflict(`cannot join network of a non running container: ${other.id}`);
    network = { mode: 'path', path: other.network?.sandboxKey ?? `/proc/${other.state.pid}/ns/net` };
  }
  const securityOpt = h.securityOpt;
  const seccomp = await seccompProfilePath(securityOpt.find((o) => o.startsWith('seccomp=') || o.startsWith('seccomp:'))?.slice('seccomp='.length), ctx.containerDir(c.id));
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
    ...(h.pidMode?.startsWith('container:') ? { pidNamespace: pidNamespaceOf(ctx, h.pidMode.slice('container:'.length)) } : {}),
    ...(h.utsMode === 'host' ? { hostUts: true } : {}),
    ...(h.ipcMode === 'host' ? { hostIpc: true } : {}),
    ...(h.ipcMode?.startsWith('container:') ? { ipcNamespace: namespaceOf(ctx, h.ipcMode.slice('container:'.length), 'ipc') } : {}),
    ...(h.maskedPaths ? { maskedPaths: h.maskedPaths } : {}),
    ...(h.readonlyPaths ? { readonlyPaths: h.readonlyPaths } : {}),
    ...(h.oomScoreAdj !== undefined ? { oomScoreAdj: h.oomScoreAdj } : {}),
    ...(h.cgroupnsMode ? { cgroupns: h.cgroupnsMode } : {}),
    ...(h.cpuRealtimeRuntime ? { cpuRealtimeRuntime: h.cpuRealtimeRuntime } : {}),
    ...(h.cpuRealtimePeriod ? { cpuRealtimePeriod: h.cpuRealtimePeriod } : {}),
    annotations: {},
    cgroupsPath: containerCgroupsPath(c),
  };
}

/** The PID namespace of the container a `--pid container:<id>` one joins; it must be running, as docker requires. */
function pidNamespaceOf(ctx: ContainerContext, id: string): string {
  return namespaceOf(ctx, id, 'pid');
}

/** A namespace (`pid`, `ipc`) of a running container that another one joins. */
function namespaceOf(ctx: ContainerContext, id: string, kind: 'pid' | 'ipc'): string {
  const other = ctx.reg.find(id);
  if (other.state.status !== 'running' && other.state.status !== 'paused') throw internal(`container ${other.id} is not running`);
  return `/proc/${other.state.pid}/ns/${kind}`;
}

/** The container's cgroup (cgroupfs driver): `<parent>/<id>`, the parent `/berth` unless the spec names one. */
export function containerCgroupsPath(c: Pick<Container, 'id' | 'spec'>): string {
  const parent = (c.spec.host.cgroupParent || '/berth').replace(/\/+$/, '');
  return `${parent.startsWith('/') ? '' : '/'}${parent}/${c.id}`;
}

/**
 * The mount points of a record made before berth kept them (no `mountPoints`):
 * its host binds and tmpfs mounts, parsed as a create parses them now. Such
 * records never had volumes; one asking for a volume is refused as then.
 */
function legacyMountPoints(c: Container): MountPoint[] {
  const out: MountPoint[] = [];
  for (const bind of c.spec.host.binds) {
    const r = parseBind(bind);
    if (r.type !== 'bind') throw invalidArgument(`named volumes are not supported yet: ${bind}`);
    out.push({ type: 'bind', source: r.source, destination: r.destination, mode: r.mode, rw: r.rw, propagation: r.propagation });
  }
  for (const m of c.spec.host.mounts) {
    const r = parseMountSpec(m);
    if (r.type === 'volume') throw invalidArgument(`volume mounts are not supported yet: ${m.target}`);
    out.push({ type: r.type, source: r.source, destination: r.destination, mode: r.mode, rw: r.rw, propagation: r.propagation, ...(r.tmpfsOptions ? { tmpfsOptions: r.tmpfsOptions } : {}) });
  }
  return out;
}

