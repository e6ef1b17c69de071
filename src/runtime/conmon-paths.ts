// Where conmon and the OCI runtime keep one container's state under execRoot:
//   runtime/          the OCI runtime's --root (its own state)
//   exits/<id>        exit code written by conmon (--exit-dir)
//   conmon/<id>/      persist dir: `oom`, `exit`, conmon.pid, the container pidfile
//   sockets/<id>      conmon's link to the bundle, whose `attach` socket and `ctl`/`winsz` fifos serve attach
import { join } from 'node:path';

/** Paths conmon uses for one container (also for attach). */
export interface ConmonPaths {
  readonly runtimeRoot: string;
  readonly exitFile: string;
  readonly persistDir: string;
  readonly oomFile: string;
  readonly conmonPidFile: string;
  readonly containerPidFile: string;
  readonly socketDir: string;
  /** conmon's link to the bundle: `<link>/attach` socket, `<link>/ctl` and `<link>/winsz` fifos. */
  readonly socketLink: string;
}

/** The directories shared by all containers under one execRoot. */
export interface ConmonDirs {
  readonly execRoot: string;
  readonly runtimeRoot: string;
  readonly exitsDir: string;
  readonly socketDir: string;
}

export function conmonDirs(execRoot: string): ConmonDirs {
  return { execRoot, runtimeRoot: join(execRoot, 'runtime'), exitsDir: join(execRoot, 'exits'), socketDir: join(execRoot, 'sockets') };
}

export function conmonPaths(dirs: ConmonDirs, id: string): ConmonPaths {
  const persistDir = join(dirs.execRoot, 'conmon', id);
  return {
    runtimeRoot: dirs.runtimeRoot,
    exitFile: join(dirs.exitsDir, id),
    persistDir,
    oomFile: join(persistDir, 'oom'),
    conmonPidFile: join(persistDir, 'conmon.pid'),
    containerPidFile: join(persistDir, 'pidfile'),
    socketDir: dirs.socketDir,
    socketLink: join(dirs.socketDir, id),
  };
}
