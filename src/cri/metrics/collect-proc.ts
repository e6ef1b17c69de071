// A container's processes from /proc: the pids in its cgroup's cgroup.procs,
// their threads (/proc/<pid>/status), open descriptors and sockets
// (/proc/<pid>/fd, as cAdvisor and containerd count them), and the soft
// limits of its first process (/proc/<pid>/limits).
import { readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { parseLimits, parseProcs, parseStatusThreads } from './parse.ts';
import { listDir, readText, type Sample } from './sample.ts';

export async function collectProcesses(procsFile: string, initPid: number): Promise<Sample[]> {
  const procsText = await readText(procsFile);
  const out: Sample[] = [];
  if (procsText !== undefined) {
    const pids = parseProcs(procsText);
    let threads = 0n;
    let fds = 0n;
    let sockets = 0n;
    for (const pid of pids) {
      // A process may exit between the read of cgroup.procs and these: it then counts for nothing.
      threads += BigInt(parseStatusThreads(await readText(`/proc/${pid}/status`)) ?? 0);
      const fdDir = `/proc/${pid}/fd`;
      for (const fd of await listDir(fdDir)) {
        fds += 1n;
        const target = await readlink(join(fdDir, fd)).catch(() => '');
        if (target.startsWith('socket:')) sockets += 1n;
      }
    }
    out.push({ name: 'container_processes', value: BigInt(pids.length) }, { name: 'container_threads', value: threads });
    out.push({ name: 'container_file_descriptors', value: fds }, { name: 'container_sockets', value: sockets });
  }
  if (initPid > 0) {
    for (const [ulimit, soft] of parseLimits(await readText(`/proc/${initPid}/limits`))) out.push({ name: 'container_ulimits_soft', value: soft, extra: [ulimit] });
  }
  return out;
}
