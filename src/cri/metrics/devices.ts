// Block device names for the `device` label: /dev/<name> of a major:minor,
// from sysfs's uevent (as cAdvisor names them), and the device of the
// filesystem a path is on, from /proc/self/mountinfo.
import { stat } from 'node:fs/promises';
import { parseMountinfo } from './parse.ts';
import { readText } from './sample.ts';

/** `/dev/vda` for 253:0; `253:0` when sysfs does not name it. */
export async function blockDeviceName(major: number, minor: number): Promise<string> {
  const uevent = await readText(`/sys/dev/block/${major}:${minor}/uevent`);
  const m = /^DEVNAME=(.+)$/m.exec(uevent ?? '');
  return m ? `/dev/${m[1]}` : `${major}:${minor}`;
}

/** The source of the mount holding `path` (by its st_dev), e.g. `/dev/vda1`; undefined when not found. */
export async function filesystemDevice(path: string): Promise<string | undefined> {
  const st = await stat(path);
  const major = Number((BigInt(st.dev) >> 8n) & 0xfffn);
  const minor = Number((BigInt(st.dev) & 0xffn) | ((BigInt(st.dev) >> 12n) & 0xfff00n));
  const mounts = parseMountinfo(await readText('/proc/self/mountinfo')).filter((m) => m.major === major && m.minor === minor);
  if (mounts.length === 0) return undefined;
  // Several mounts of one filesystem: the one whose mount point holds the path.
  const holding = mounts.filter((m) => path === m.mountPoint || path.startsWith(m.mountPoint.endsWith('/') ? m.mountPoint : `${m.mountPoint}/`));
  return (holding.sort((a, b) => b.mountPoint.length - a.mountPoint.length)[0] ?? mounts[0]!).source;
}
