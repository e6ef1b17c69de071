// createConmonRuntime(): the ContainerRuntime that runs each container under its
// own conmon, which runs `<runtime> create`, keeps stdio, writes the k8s-file log,
// records the exit code in <execRoot>/exits/<id> and an `oom` file on an OOM kill.
// conmon daemonises into its own session, so containers outlive berthd; all of
// the state needed to pick them up again lives in files under execRoot (the
// layout is in ./conmon-paths.ts). This file only composes the pieces: the
// create path (./conmon-create.ts), the runtime's CLI (./oci-runtime-cli.ts),
// the exit file (./conmon-exit.ts), attach and exec.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerRuntime, RuntimeBinary } from './types.ts';
import { connectAttach, reopenLog, resizeTerminal } from './conmon-attach.ts';
import { createUnderConmon, sharedDirsMaker } from './conmon-create.ts';
import { startConmonExec, type ExecProcessOptions } from './conmon-exec.ts';
import { readExitStatus, waitForExitFile } from './conmon-exit.ts';
import { conmonDirs, conmonPaths, type ConmonPaths } from './conmon-paths.ts';
import { conmonCapsLog, liveConmonPid } from './conmon-process.ts';
import { OciRuntimeCli } from './oci-runtime-cli.ts';

export type { ConmonPaths } from './conmon-paths.ts';
export { isLiveConmon } from './conmon-process.ts';

export interface ConmonRuntimeOptions {
  readonly binary: RuntimeBinary;
  readonly execRoot: string;
  /** Default: `conmon` found on PATH. */
  readonly conmonPath?: string;
  /** How long create() waits for conmon to report the container's pid. Default 60 s. */
  readonly createTimeoutMs?: number;
}

export interface ConmonRuntime extends ContainerRuntime {
  paths(id: string): ConmonPaths;
}

/** The pid in a pid file; undefined when there is none. */
async function readPidFile(path: string): Promise<number | undefined> {
  const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function createConmonRuntime(options: ConmonRuntimeOptions): ConmonRuntime {
  const { binary, execRoot } = options;
  const conmon = options.conmonPath ?? 'conmon';
  const dirs = conmonDirs(execRoot);
  const paths = (id: string): ConmonPaths => conmonPaths(dirs, id);
  const cli = new OciRuntimeCli(binary.path, dirs.runtimeRoot);
  const sharedDirs = sharedDirsMaker(dirs);
  const exitStatus = (id: string) => readExitStatus(paths(id));

  return {
    binary,
    paths,
    create: (id, opts) => createUnderConmon(id, opts, { conmon, runtimePath: binary.path, dirs, paths: paths(id), timeoutMs: options.createTimeoutMs ?? 60000, sharedDirs }),
    start: (id) => cli.start(id),
    kill: (id, signal) => cli.kill(id, signal),
    delete: (id, opts) => cli.delete(id, opts),
    state: (id) => cli.state(id),
    exitStatus,
    waitExit: (id, signal) => waitForExitFile(dirs.exitsDir, id, () => exitStatus(id), signal),
    async cleanup(id: string): Promise<void> {
      const p = paths(id);
      await Promise.all([rm(p.exitFile, { force: true }), rm(p.persistDir, { recursive: true, force: true }), rm(p.socketLink, { force: true })]);
    },
    attach: (id: string) => connectAttach(paths(id).socketLink, { pid: () => readPidFile(paths(id).containerPidFile) }),
    resize: (id: string, size: { height: number; width: number }) => resizeTerminal(paths(id).socketLink, size),
    pause: (id) => cli.pause(id),
    resume: (id) => cli.resume(id),
    update: (id, resources) => cli.update(id, resources, join(paths(id).persistDir, 'resources.json')),
    pids: (id) => cli.pids(id),
    exec: (id: string, execId: string, opts: ExecProcessOptions) =>
      startConmonExec({ conmon, runtimePath: binary.path, runtimeRoot: dirs.runtimeRoot, execRoot, socketDir: dirs.socketDir }, id, execId, opts),
    conmonPid: (id) => liveConmonPid(paths(id).conmonPidFile),
    logCapped: (id) => conmonCapsLog(paths(id).conmonPidFile),
    reopenLog: (id) => reopenLog(paths(id).socketLink),
  };
}
