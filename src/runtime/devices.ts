// Device nodes for linux.devices: one host device given by path (--device), and
// every host device under /dev for a privileged container, as docker lists them.
import { readdirSync, statSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { invalidArgument } from '../core/index.ts';

export interface OciDevice {
  path: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
}

const S_IFMT = 0o170000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;

/** Linux's new_decode_dev: major/minor from st_rdev. */
export function decodeDev(rdev: number): { major: number; minor: number } {
  const r = BigInt(rdev);
  const major = Number(((r >> 8n) & 0xfffn) | ((r >> 32n) & ~0xfffn));
  const minor = Number((r & 0xffn) | ((r >> 12n) & ~0xffn));
  return { major, minor };
}

/** The device at `hostPath` as it should appear at `containerPath` (follows symlinks). */
export function deviceFromPath(hostPath: string, containerPath: string): OciDevice {
  let st;
  try {
    st = statSync(hostPath);
  } catch (err) {
    // docker's text: the errno's words ("no such file or directory"), not node's "ENOENT: …, stat '<path>'".
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : err instanceof Error ? err.message : String(err);
    throw invalidArgument(`error gathering device information while adding custom device "${hostPath}": ${why}`);
  }
  const fmt = st.mode & S_IFMT;
  if (fmt !== S_IFCHR && fmt !== S_IFBLK) throw invalidArgument(`error gathering device information while adding custom device "${hostPath}": not a device node`);
  const { major, minor } = decodeDev(st.rdev);
  return { path: containerPath, type: fmt === S_IFCHR ? 'c' : 'b', major, minor, fileMode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}

/** Directories under /dev that docker does not copy into a privileged container. */
const skipped = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev']);

/** Every char/block device under `dir` (no symlinks followed), for --privileged. */
export function hostDevices(dir = '/dev'): OciDevice[] {
  const out: OciDevice[] = [];
  const walk = (d: string, top: boolean) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      if (top && (skipped.has(name) || name === 'console')) continue;
      const p = join(d, name);
      let st;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p, false);
      const fmt = st.mode & S_IFMT;
      if (fmt !== S_IFCHR && fmt !== S_IFBLK) continue;
      const { major, minor } = decodeDev(st.rdev);
      out.push({ path: p, type: fmt === S_IFCHR ? 'c' : 'b', major, minor, fileMode: st.mode & 0o7777, uid: st.uid, gid: st.gid });
    }
  };
  walk(dir, true);
  return out;
}

/** One device cgroup rule of the OCI spec (major/minor -1: any). */
export interface DeviceCgroupRule {
  allow: boolean;
  type?: string;
  major?: number;
  minor?: number;
  access: string;
}

/** `c 1:3 mr`, `a *:* rwm` → an allow rule; InvalidArgument with docker's text otherwise. */
export function parseDeviceCgroupRule(rule: string): DeviceCgroupRule {
  const m = /^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/.exec(rule);
  if (!m) throw invalidArgument(`invalid device cgroup rule format: '${rule}'`);
  const num = (x: string) => (x === '*' ? -1 : Number(x));
  return { allow: true, type: m[1]!, major: num(m[2]!), minor: num(m[3]!), access: m[4]! };
}
