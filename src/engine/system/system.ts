// System information for `docker info`: counts, storage, cgroups, runtimes,
// kernel and host facts.
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runTool } from '../../lib/run-tool.ts';
import { cgroupInfo, defaultSeccompProfilePath, findExecutable, runtimeFeatures, type RuntimeFeatures } from '../../runtime/index.ts';
import { backingFilesystem } from './backing-fs.ts';
import { arch, cpus, hostname, release, totalmem } from 'node:os';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import type { MetadataStore } from '../../store/index.ts';
import type { RuntimeBinary } from '../../runtime/index.ts';
import type { ImageFilesystemUsage, SystemInfo, SystemService } from '../types.ts';

export const serverVersion = '0.1.0';
export const apiVersion = '1.47';
export const minApiVersion = '1.24';

/**
 * The names dockerd 20.10 also gives runc (its containerd shims' names), so
 * that `--runtime io.containerd.runc.v2` works as there: each runs runc.
 */
export const runcAliases: readonly string[] = ['io.containerd.runc.v2', 'io.containerd.runtime.v1.linux'];

/** docker's default cgroup namespace mode: private on cgroup v2, the host's on v1. */
export function defaultCgroupnsMode(): 'host' | 'private' {
  return cgroupInfo().version === '2' ? 'private' : 'host';
}

export interface SystemServiceDeps {
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly meta: MetadataStore;
  readonly runtime: RuntimeBinary;
  readonly extraRuntimes: readonly { name: string; path: string }[];
  readonly containerCounts: () => SystemInfo['containers'];
  readonly imageCount: () => Promise<number>;
  /** Docker Hub's mirrors from the daemon config. */
  readonly registryMirrors?: readonly string[];
  /** The seccomp profile file containers get by default (containers-common's unless given). */
  readonly seccompProfile?: string;
}

/** docker's GOARCH names. */
function goArch(): string {
  const a = arch();
  return a === 'x64' ? 'x86_64' : a === 'arm64' ? 'aarch64' : a;
}

async function osRelease(key: string): Promise<string | undefined> {
  const text = await readFile('/etc/os-release', 'utf8').catch(() => '');
  return new RegExp(`^${key}="?([^"\\n]*)"?$`, 'm').exec(text)?.[1];
}

/** A sysctl or cgroup file that reads as "1" (or, with `exists`, is there at all). */
async function hostFlag(path: string, exists = false): Promise<boolean> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  return exists ? text !== undefined : text?.trim() === '1';
}

/** `runc --version` / `conmon --version` → version and commit (empty when unknown). */
function programVersion(path: string): Promise<{ version: string; commit: string }> {
  return new Promise((resolve) => {
    execFile(path, ['--version'], { timeout: 5000 }, (err, stdout) => {
      if (err) return resolve({ version: '', commit: '' });
      const version = /version:?\s+(\S+)/i.exec(stdout)?.[1] ?? '';
      const commit = /commit:\s+(\S+)/i.exec(stdout)?.[1] ?? '';
      resolve({ version, commit });
    });
  });
}

export class LocalSystemService implements SystemService {
  readonly #d: SystemServiceDeps;
  #components: Promise<SystemInfo['components']> | undefined;
  #runc: Promise<string | undefined> | undefined;
  #features: Promise<RuntimeFeatures> | undefined;

  constructor(deps: SystemServiceDeps) {
    this.#d = deps;
  }

  /** A stable engine id, created once and kept in the metadata store. */
  #engineId(): string {
    let id = this.#d.meta.getSetting('engine-id');
    if (!id) {
      id = createHash('sha256').update(`${Date.now()}-${Math.random()}`).digest('hex').slice(0, 32);
      id = [id.slice(0, 8), id.slice(8, 12), id.slice(12, 16), id.slice(16, 20), id.slice(20, 32)].join('-');
      this.#d.meta.setSetting('engine-id', id);
    }
    return id;
  }

  async imageFilesystem(): Promise<ImageFilesystemUsage> {
    const dirs = [join(this.#d.dataRoot, 'snapshots'), join(this.#d.dataRoot, 'blobs')];
    // du(1) counts hard links once and stays on the data root; a missing dir counts as empty.
    const total = async (flag: string) => {
      const out = await runTool('du', ['-s', '-x', '-c', flag, ...dirs]).catch(() => '');
      return Number(/^(\d+)\s+total$/m.exec(out)?.[1] ?? 0);
    };
    const [usedBytes, inodesUsed] = await Promise.all([total('--block-size=1'), total('--inodes')]);
    return { mountpoint: dirs[0]!, usedBytes, inodesUsed, timestampNs: BigInt(Date.now()) * 1_000_000n };
  }

  /** The default runtime's features (`runc features`), asked once: the binary does not change under a running berthd. */
  runtimeFeatures(): Promise<RuntimeFeatures> {
    this.#features ??= runtimeFeatures(this.#d.runtime);
    return this.#features;
  }

  async info(): Promise<SystemInfo> {
    const cgroupVersion = cgroupInfo().version;
    this.#runc ??= findExecutable('runc');
    const runc = await this.#runc;
    const named = [{ name: this.#d.runtime.name, path: this.#d.runtime.path }, ...this.#d.extraRuntimes.filter((r) => r.name !== this.#d.runtime.name)];
    const aliases = runc === undefined ? [] : runcAliases.filter((a) => !named.some((r) => r.name === a)).map((name) => ({ name, path: runc }));
    return {
      id: this.#engineId(),
      name: hostname(),
      serverVersion,
      apiVersion,
      minApiVersion,
      containers: this.#d.containerCounts(),
      images: await this.#d.imageCount(),
      dataRoot: this.#d.dataRoot,
      execRoot: this.#d.execRoot,
      storageDriver: 'overlay2',
      cgroupVersion,
      cgroupDriver: 'cgroupfs',
      runtimes: [...named, ...aliases],
      defaultRuntime: this.#d.runtime.name,
      kernelVersion: release(),
      operatingSystem: (await osRelease('PRETTY_NAME')) ?? 'Linux',
      osVersion: (await osRelease('VERSION_ID')) ?? '',
      swapLimit: cgroupVersion === '2' || (await hostFlag('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes', true)),
      bridgeNfIptables: await hostFlag('/proc/sys/net/bridge/bridge-nf-call-iptables'),
      bridgeNfIp6tables: await hostFlag('/proc/sys/net/bridge/bridge-nf-call-ip6tables'),
      ipv4Forwarding: await hostFlag('/proc/sys/net/ipv4/ip_forward'),
      backingFilesystem: await backingFilesystem(this.#d.dataRoot).catch(() => '<unknown>'),
      // dockerd's registry.ValidateMirror: one trailing slash.
      registryMirrors: (this.#d.registryMirrors ?? []).map((m) => `${m.replace(/\/+$/, '')}/`),
      osType: 'linux',
      architecture: goArch(),
      ncpu: cpus().length,
      memTotal: totalmem(),
      // dockerd names the profile file it loads (--seccomp-profile), `builtin` for its own.
      securityOptions: [...(await this.#seccompOption()), ...(cgroupVersion === '2' ? ['name=cgroupns'] : [])],
      initBinary: 'tini',
      systemTime: new Date().toISOString(),
      warnings: [],
      components: await this.#componentVersions(),
    };
  }

  async #seccompOption(): Promise<string[]> {
    const profile = this.#d.seccompProfile ?? defaultSeccompProfilePath;
    const readable = await access(profile).then(() => true, () => false);
    return readable ? [`name=seccomp,profile=${profile}`] : [];
  }

  #componentVersions(): Promise<SystemInfo['components']> {
    // Asked once: the programs do not change under a running berthd often enough to matter.
    this.#components ??= Promise.all([
      programVersion(this.#d.runtime.path).then((v) => ({ name: this.#d.runtime.name, ...v })),
      programVersion('conmon').then((v) => ({ name: 'conmon', ...v })),
    ]);
    return this.#components;
  }
}
