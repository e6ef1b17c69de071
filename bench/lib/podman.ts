// podman for the benches, with nothing shared with the host: its storage
// (--root, --runroot), its engine state (tmp_dir, static_dir, volume_path,
// file locks instead of /dev/shm/libpod_lock, an events file) and its network
// configuration all live under the bench's temp dir; it reads no system
// configuration (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF and
// CONTAINERS_REGISTRIES_CONF point at files written here); its containers'
// cgroups go below a cgroup parent of its own (cgroupfs, no systemd), removed
// afterwards. For the default-bridge cases every podman command runs in a
// network namespace of its own (`nsenter --net`), so its bridge, its CNI
// plugins' iptables rules and its forwarding sysctl never reach the host's.
// Install podman with bench/setup.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { must, unmountUnder, which } from './proc.ts';

export interface Podman {
  readonly bin: string;
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  /** Its network namespace's name when it was set up with a bridge. */
  readonly netns: string | undefined;
  /**
   * The command line for `podman <args>` with the private global flags; `run`,
   * `create` and `build` also get the private cgroup parent. In the bench's
   * network namespace when there is one, unless `inNetns` is false (fine for
   * `--network none` containers and for images).
   */
  argv(args: readonly string[], inNetns?: boolean): [string, ...string[]];
  /** Loads an image archive (`docker save` format) into podman's storage. */
  load(archive: string): void;
  /** Removes every container, its netns, cgroups, mounts and `dir`. */
  cleanup(): void;
}

export interface PodmanOptions {
  dir: string;
  /** Also set up a CNI bridge (in a network namespace of the bench's own) for the default network. */
  bridge?: boolean;
  note?: (msg: string) => void;
}

/** Whether this process has CAP_SYS_RESOURCE (bit 24 of CapEff). */
function hasSysResource(): boolean {
  const m = /^CapEff:\s*([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m !== null && (BigInt(`0x${m[1]}`) & (1n << 24n)) !== 0n;
}

function ownHard(row: string): number | undefined {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith(row));
  const hard = line?.slice(row.length).trim().split(/\s+/)[1];
  return hard === undefined || hard === 'unlimited' ? undefined : Number(hard);
}

/**
 * containers.conf's ulimits. podman 4.3 as root asks for RLIMIT_NOFILE 1048576
 * and RLIMIT_NPROC equal to its own hard limit after lowering its own to 32768;
 * without CAP_SYS_RESOURCE (so on the development VMs) runc then fails with
 * EPERM. Where that capability is missing, ask for what the runtime can set:
 * NOFILE at the current hard limit (as berthd and dockerd do), NPROC at 32768.
 */
function ulimits(): string[] {
  if (hasSysResource()) return [];
  const nofile = Math.min(ownHard('Max open files') ?? 1048576, 1048576);
  const nproc = Math.min(ownHard('Max processes') ?? 32768, 32768);
  return [`nofile=${nofile}:${nofile}`, `nproc=${nproc}:${nproc}`];
}

/** A private podman below `dir`, or the reason there is none. */
export function setupPodman(o: PodmanOptions): Podman | { skip: string } {
  const bin = which('podman');
  if (!bin) return { skip: 'not installed (bench/setup installs it)' };
  const dir = o.dir;
  const tag = `bp${process.pid % 100000}`;
  const netns = o.bridge ? tag : undefined;
  const cgroupParent = `/berth-bench-podman-${process.pid}`;
  for (const d of ['root', 'run', 'tmp', 'cni', 'cni-ipam', 'volumes', 'libpod']) mkdirSync(join(dir, d), { recursive: true });
  const q = (s: string) => JSON.stringify(s);
  const limits = ulimits();
  writeFileSync(
    join(dir, 'containers.conf'),
    [
      '[containers]',
      'log_driver = "k8s-file"',
      ...(limits.length ? [`default_ulimits = [${limits.map(q).join(', ')}]`] : []),
      '[network]',
      'network_backend = "cni"',
      `network_config_dir = ${q(join(dir, 'cni'))}`,
      'cni_plugin_dirs = ["/usr/lib/cni"]',
      '[engine]',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      `events_logfile_path = ${q(join(dir, 'events.log'))}`,
      // runc, as berthd uses on hosts where crun does not work (the hybrid cgroup layout), and as dockerd does.
      `runtime = ${q(existsSync('/sys/fs/cgroup/cgroup.controllers') && which('crun') ? 'crun' : 'runc')}`,
      'lock_type = "file"',
      `tmp_dir = ${q(join(dir, 'tmp'))}`,
      `static_dir = ${q(join(dir, 'libpod'))}`,
      `volume_path = ${q(join(dir, 'volumes'))}`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'storage.conf'), ['[storage]', 'driver = "overlay"', `graphroot = ${q(join(dir, 'root'))}`, `runroot = ${q(join(dir, 'run'))}`, ''].join('\n'));
  // No registries: short names resolve only to local images.
  writeFileSync(join(dir, 'registries.conf'), '');
  // podman's default network, as Debian's package ships it, but with its IP leases kept here.
  writeFileSync(
    join(dir, 'cni', '87-podman.conflist'),
    JSON.stringify({
      cniVersion: '0.4.0',
      name: 'podman',
      plugins: [
        { type: 'bridge', bridge: 'cni-podman0', isGateway: true, ipMasq: true, hairpinMode: true, ipam: { type: 'host-local', dataDir: join(dir, 'cni-ipam'), routes: [{ dst: '0.0.0.0/0' }], ranges: [[{ subnet: '10.88.0.0/16', gateway: '10.88.0.1' }]] } },
        { type: 'portmap', capabilities: { portMappings: true } },
        { type: 'firewall' },
        { type: 'tuning' },
      ],
    }, null, 2),
  );
  const env = {
    ...process.env,
    CONTAINERS_CONF: join(dir, 'containers.conf'),
    CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf'),
    CONTAINERS_REGISTRIES_CONF: join(dir, 'registries.conf'),
  };
  const global = ['--root', join(dir, 'root'), '--runroot', join(dir, 'run'), '--tmpdir', join(dir, 'tmp'), '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
  if (netns) {
    must('ip', ['netns', 'add', netns]);
    must('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
  }
  const argv = (args: readonly string[], inNetns = true): [string, ...string[]] => {
    const [sub, ...rest] = args;
    const withParent = sub === 'run' || sub === 'create' || sub === 'build' ? [sub, '--cgroup-parent', cgroupParent, ...rest] : [...args];
    return netns && inNetns ? ['nsenter', `--net=/run/netns/${netns}`, bin, ...global, ...withParent] : [bin, ...global, ...withParent];
  };
  const cleanup = () => {
    const [cmd, ...args] = argv(['rm', '-af', '-t', '0']);
    const r = spawnSync(cmd, args, { env, encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) o.note?.(`podman rm -af: ${(r.stderr ?? '').trim().split('\n')[0]}`);
    unmountUnder(dir, o.note);
    if (netns) spawnSync('ip', ['netns', 'del', netns], { stdio: 'ignore' });
    removeCgroups(cgroupParent, o.note);
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    bin,
    dir,
    env,
    netns,
    argv,
    load: (archive) => {
      const [cmd, ...args] = argv(['load', '-q', '-i', archive], false);
      must(cmd, args, { env });
    },
    cleanup,
  };
}

/** Removes a cgroup (and the ones below it) from every v1 hierarchy, or from the v2 tree. */
function removeCgroups(path: string, note?: (msg: string) => void): void {
  const roots = existsSync('/sys/fs/cgroup/cgroup.controllers')
    ? ['/sys/fs/cgroup']
    : readdirSync('/sys/fs/cgroup').map((d) => join('/sys/fs/cgroup', d)).filter((d) => statSync(d).isDirectory());
  for (const root of roots) {
    const top = join(root, path);
    if (!existsSync(top)) continue;
    const dirs: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
      dirs.push(d);
    };
    walk(top);
    for (const d of dirs) {
      try {
        rmdirSync(d);
      } catch (e) {
        note?.(`cannot remove cgroup ${d}: ${(e as Error).message}`);
      }
    }
  }
}
