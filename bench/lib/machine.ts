// What a bench result is worth only together with: the machine (CPU, cores,
// memory, kernel, distribution, cgroup layout), the versions of every engine
// and runtime compared, the date, and the load average around the run.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { repo } from './proc.ts';

export interface Machine {
  cpu: string;
  cores: number;
  memGiB: number;
  kernel: string;
  os: string;
  /** "v2 (unified)", "v1/hybrid (…)" or "v1". */
  cgroup: string;
  /** Program → first line of its version output ("missing" when not installed). */
  versions: Record<string, string>;
  /** berth's commit (and "+dirty" when the worktree has changes). */
  berth: string;
  nodeExtraCaCerts: boolean;
}

function firstLine(cmd: string, args: readonly string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status !== 0) return 'missing';
  return (r.stdout || r.stderr).trim().split('\n')[0] ?? '';
}

function cgroupLayout(): string {
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) return 'v2 (unified)';
  if (existsSync('/sys/fs/cgroup/unified/cgroup.controllers')) return 'v1/hybrid (v1 controllers, v2 at /sys/fs/cgroup/unified)';
  return 'v1';
}

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    return m?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function machine(): Machine {
  const git = (args: string[]) => spawnSync('git', ['-C', repo, ...args], { encoding: 'utf8' }).stdout.trim();
  // What bench/report itself writes (results, charts, RESULTS.md) is not a change to the code measured: counted, it
  // made every bench after the first "+dirty", and their results "from another commit" than the first's.
  const dirty = git(['status', '--porcelain', '--untracked-files=no', '--', '.', ':!bench/results', ':!bench/charts', ':!bench/RESULTS.md']) !== '';
  const bun = join(repo, 'node_modules', '.bin', 'bun');
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: firstLine('uname', ['-r']),
    os: osName(),
    cgroup: cgroupLayout(),
    versions: {
      node: process.version,
      bun: existsSync(bun) ? firstLine(bun, ['--version']) : 'missing',
      docker: firstLine('docker', ['--version']),
      dockerd: firstLine('dockerd', ['--version']),
      containerd: firstLine('containerd', ['--version']),
      runc: firstLine('runc', ['--version']),
      crun: firstLine('crun', ['--version']),
      conmon: firstLine('conmon', ['--version']),
      podman: firstLine('podman', ['--version']),
    },
    berth: `${git(['rev-parse', '--short', 'HEAD']) || 'unknown'}${dirty ? '+dirty' : ''}`,
    nodeExtraCaCerts: !!process.env['NODE_EXTRA_CA_CERTS'],
  };
}

/** The 1-, 5- and 15-minute load averages, two decimals. */
export function load(): [number, number, number] {
  const [a = 0, b = 0, c = 0] = loadavg().map((x) => Math.round(x * 100) / 100);
  return [a, b, c];
}
