// From the CRI's ContainerConfig to the engine's ContainerSpec: command and
// args over the image's entrypoint and cmd (Kubernetes' rules are docker's),
// env, mounts, devices, the security context and resources, joined to the
// pod's namespaces as containerd's CRI joins them.
import { readFile } from 'node:fs/promises';
import { invalidArgument } from '../core/errors.ts';
import type { ContainerSpec, HostSpec } from '../core/types.ts';
import { baseSpec, podHost } from './engine-spec.ts';
import { criLabels, labelKeys } from './labels.ts';
import { checkRecursiveReadOnly, ensureHostPath, recursiveReadOnlyMount, type CriMountMsg } from './recursive-read-only.ts';
import type { Sandbox } from './sandboxes.ts';

interface Int64ValueMsg {
  readonly value: string;
}
export interface LinuxResourcesMsg {
  readonly cpu_period: string;
  readonly cpu_quota: string;
  readonly cpu_shares: string;
  readonly memory_limit_in_bytes: string;
  readonly oom_score_adj: string;
  readonly cpuset_cpus: string;
  readonly memory_swap_limit_in_bytes: string;
}
interface SecurityContextMsg {
  readonly capabilities: { add_capabilities: string[]; drop_capabilities: string[] } | null;
  readonly privileged: boolean;
  readonly namespace_options: { pid: string; ipc: string; target_id: string } | null;
  readonly run_as_user: Int64ValueMsg | null;
  readonly run_as_group: Int64ValueMsg | null;
  readonly run_as_username: string;
  readonly readonly_rootfs: boolean;
  readonly supplemental_groups: string[];
  /** `Merge` (the default) or `Strict`. */
  readonly supplemental_groups_policy: string;
  readonly no_new_privs: boolean;
  readonly masked_paths: string[];
  readonly readonly_paths: string[];
  readonly seccomp: { profile_type: string; localhost_ref: string } | null;
  readonly seccomp_profile_path: string;
}
export interface ContainerConfigMsg {
  readonly metadata: { name: string; attempt: number } | null;
  readonly image: { image: string } | null;
  readonly command: string[];
  readonly args: string[];
  readonly working_dir: string;
  readonly envs: { key: string; value: string }[];
  readonly mounts: CriMountMsg[];
  readonly devices: { container_path: string; host_path: string; permissions: string }[];
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly log_path: string;
  readonly stdin: boolean;
  readonly stdin_once: boolean;
  readonly tty: boolean;
  readonly linux: { resources: LinuxResourcesMsg | null; security_context: SecurityContextMsg | null } | null;
}

const propagation: Readonly<Record<string, string>> = {
  PROPAGATION_PRIVATE: 'rprivate',
  PROPAGATION_HOST_TO_CONTAINER: 'rslave',
  PROPAGATION_BIDIRECTIONAL: 'rshared',
};

/** The resource fields the engine's HostSpec (and docker update) know. */
export function resourcesOf(r: LinuxResourcesMsg | null | undefined): Partial<HostSpec> {
  if (!r) return {};
  const n = (s: string) => Number(s || 0);
  return {
    cpuPeriod: n(r.cpu_period),
    cpuQuota: n(r.cpu_quota),
    cpuShares: n(r.cpu_shares),
    memory: n(r.memory_limit_in_bytes),
    ...(n(r.memory_swap_limit_in_bytes) > 0 ? { memorySwap: n(r.memory_swap_limit_in_bytes) } : {}),
    cpusetCpus: r.cpuset_cpus,
    ...(r.oom_score_adj !== '' && r.oom_score_adj !== '0' ? { oomScoreAdj: n(r.oom_score_adj) } : {}),
  };
}

async function seccompOpt(sc: SecurityContextMsg | null | undefined): Promise<string[]> {
  // As containerd: no profile named at all (no context, or neither field) means unconfined; kubelet always names one.
  if (!sc || (!sc.seccomp && sc.seccomp_profile_path === '')) return ['seccomp=unconfined'];
  let type = sc.seccomp?.profile_type ?? '';
  let ref = sc.seccomp?.localhost_ref ?? '';
  if (type === '' && sc.seccomp_profile_path !== '') {
    const p = sc.seccomp_profile_path;
    if (p === 'unconfined') type = 'Unconfined';
    else if (p.startsWith('localhost/')) [type, ref] = ['Localhost', p.slice('localhost/'.length)];
    else type = 'RuntimeDefault';
  }
  if (type === 'Unconfined') return ['seccomp=unconfined'];
  if (type === 'Localhost') {
    const text = await readFile(ref, 'utf8').catch((err: unknown) => {
      throw invalidArgument(`failed to load seccomp profile "${ref}": ${err instanceof Error ? err.message : String(err)}`);
    });
    return [`seccomp=${text}`];
  }
  return [];
}

function userOf(sc: SecurityContextMsg | null | undefined): string | undefined {
  if (!sc) return undefined;
  if (sc.run_as_group && !sc.run_as_user && sc.run_as_username === '') throw invalidArgument('user group "' + sc.run_as_group.value + '" is specified without user');
  const user = sc.run_as_user ? sc.run_as_user.value : sc.run_as_username;
  if (user === '') return undefined;
  return sc.run_as_group ? `${user}:${sc.run_as_group.value}` : user;
}

/** What the runtime handler supports (Status' runtime_handlers[].features). */
export interface HandlerFeatures {
  readonly recursiveReadOnlyMounts: boolean;
}

/** SupplementalGroupsPolicy: Merge adds the user's groups in the image's /etc/group (even with run_as_group, as containerd), Strict never. */
function imageGroupsOf(sc: SecurityContextMsg | null | undefined): 'merge' | 'strict' {
  const policy = sc?.supplemental_groups_policy || 'Merge';
  if (policy === 'Merge') return 'merge';
  if (policy === 'Strict') return 'strict';
  throw invalidArgument(`unknown SupplementalGroupsPolicy "${policy}"`);
}

export async function containerSpec(sandbox: Sandbox, config: ContainerConfigMsg, image: string, features: HandlerFeatures = { recursiveReadOnlyMounts: false }): Promise<{ spec: ContainerSpec; name: string; logPath?: string }> {
  const md = config.metadata;
  if (!md || md.name === '') throw invalidArgument('container config must include metadata with a name');
  const pod = JSON.parse(sandbox.container.spec.labels[labelKeys.metadata] ?? '{}') as { name?: string; namespace?: string; uid?: string };
  const { facts } = sandbox;
  const sc = config.linux?.security_context;
  const pidMode = sc?.namespace_options?.pid;
  const user = userOf(sc);
  for (const m of config.mounts) checkRecursiveReadOnly(m, features.recursiveReadOnlyMounts);
  const rro = config.mounts.filter((m) => m.recursive_read_only);
  for (const m of rro) await ensureHostPath(m.host_path);
  const host: Partial<HostSpec> = {
    ...podHost(facts),
    ipcMode: facts.hostIpc ? 'host' : `container:${sandbox.container.id}`,
    ...(pidMode === 'NODE' ? { pidMode: 'host' } : pidMode === 'POD' ? { pidMode: `container:${sandbox.container.id}` } : pidMode === 'TARGET' ? { pidMode: `container:${sc?.namespace_options?.target_id ?? ''}` } : {}),
    binds: config.mounts.filter((m) => !m.recursive_read_only).map((m) => `${m.host_path}:${m.container_path}:${m.readonly ? 'ro-non-recursive' : 'rw'},${propagation[m.propagation] ?? 'rprivate'}`),
    mounts: rro.map(recursiveReadOnlyMount),
    devices: config.devices.map((d) => ({ pathOnHost: d.host_path, pathInContainer: d.container_path, cgroupPermissions: d.permissions || 'rwm' })),
    ...resourcesOf(config.linux?.resources),
    privileged: sc?.privileged ?? false,
    capAdd: sc?.capabilities?.add_capabilities ?? [],
    capDrop: sc?.capabilities?.drop_capabilities ?? [],
    readonlyRootfs: sc?.readonly_rootfs ?? false,
    groupAdd: sc?.supplemental_groups ?? [],
    imageGroups: imageGroupsOf(sc),
    securityOpt: [...(await seccompOpt(sc)), ...(sc?.no_new_privs ? ['no-new-privileges'] : [])],
    // As containerd: the lists kubelet sends replace the runtime's defaults.
    ...(sc && !sc.privileged ? { maskedPaths: sc.masked_paths, readonlyPaths: sc.readonly_paths } : {}),
  };
  const labels = criLabels('container', {
    metadata: md,
    labels: config.labels,
    annotations: config.annotations,
    extra: { [labelKeys.sandboxId]: sandbox.container.id, [labelKeys.image]: config.image?.image ?? '' },
  });
  const spec: ContainerSpec = {
    ...baseSpec(image, labels, host),
    ...(config.command.length > 0 ? { entrypoint: config.command } : {}),
    ...(config.args.length > 0 ? { cmd: config.args } : {}),
    env: config.envs.map((e) => `${e.key}=${e.value}`),
    ...(config.working_dir !== '' ? { workingDir: config.working_dir } : {}),
    ...(user !== undefined ? { user } : {}),
    ...(facts.hostname !== '' ? { hostname: facts.hostname } : {}),
    tty: config.tty,
    openStdin: config.stdin,
    stdinOnce: config.stdin_once,
  };
  const name = `k8s_${md.name}_${pod.name ?? ''}_${pod.namespace ?? ''}_${pod.uid ?? ''}_${md.attempt}`;
  const logPath = facts.logDirectory !== '' && config.log_path !== '' ? `${facts.logDirectory.replace(/\/+$/, '')}/${config.log_path}` : undefined;
  return { spec, name, ...(logPath !== undefined ? { logPath } : {}) };
}
