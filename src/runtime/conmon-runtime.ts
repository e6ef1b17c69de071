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
import { createUnderConmon, prepareConmonDirs, sharedDirsMaker } from './conmon-create.ts';
import { withCgroupAttachWarm } from './attach-warmup.ts';
import { startConmonExec, type ExecProcessOptions } from './conmon-exec.ts';
import { readExitStatus, waitForExitFile } from './conmon-exit.ts';
import { conmonDirs, conmonPaths, type ConmonPaths } from './conmon-paths.ts';
import { conmonCapsLog, liveConmonPid } from './conmon-process.ts';
import { OciRuntimeCli } from './oci-runtime-cli.ts';
import { oomKillCount } from './cgroup-stats.ts';
import { initOf, signalInit, signalNumber, type ContainerInit } from './container-signal.ts';
import { fateNow, resendWhenTaken } from './signal-fate.ts';
import { procStat } from './proc-stat.ts';
import { notFound } from '../core/index.ts';
import { startThroughExecFifo } from './exec-fifo.ts';
import { span } from '../lib/index.ts';

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
  // Each container's cgroup, from its create (not kept across a berthd restart: its exit then waits for conmon's oom file).
  const cgroups = new Map<string, string>();
  const oomKills = (id: string) => {
    const path = cgroups.get(id);
    return path === undefined ? undefined : () => oomKillCount(path);
  };
  const exitStatus = (id: string) => readExitStatus(paths(id), oomKills(id));
  // Each container's init as create saw it (pid and start time): a signal goes to it through a pidfd
  // (container-signal.ts) instead of a `runtime kill` process. Not kept across a berthd restart.
  const inits = new Map<string, ContainerInit>();

  const kill = async (id: string, signal: string | number): Promise<void> => {
    const init = inits.get(id);
    const sent = init ? signalInit(init, signal) : undefined;
    if (sent === undefined) return cli.kill(id, signal);
    if (!sent) throw notFound(`Container ${id} is not running`);
  };

  return {
    binary,
    paths,
    create: (id, opts) => {
      if (opts.cgroupsPath) cgroups.set(id, opts.cgroupsPath);
      else cgroups.delete(id);
      inits.delete(id);
      const creating = withCgroupAttachWarm(() => createUnderConmon(id, opts, { conmon, runtimePath: binary.path, dirs, paths: paths(id), timeoutMs: options.createTimeoutMs ?? 60000, sharedDirs }));
      return creating.then(async (created) => {
        const init = initOf(created.pid);
        // The runtime's init, blocked until the start: what a stop signal must not be lost to (signal-fate.ts).
        const stat = init && (await procStat(created.pid));
        if (init) inits.set(id, stat ? { ...init, runtime: { startCode: stat.startCode, startStack: stat.startStack } } : init);
        return created;
      });
    },
    prepareCreate: (id) => prepareConmonDirs(id, { paths: paths(id), sharedDirs }),
    async start(id) {
      // runc: the exec fifo is read here, as `runc start` would (exec-fifo.ts); anything else, or a
      // container that is not as create left it, goes to the runtime's start.
      const init = inits.get(id);
      if (init && binary.name === 'runc' && (await span('runtime start (exec fifo)', { container: id.slice(0, 12) }, () => startThroughExecFifo(dirs.runtimeRoot, id, init)))) return;
      return cli.start(id);
    },
    kill,
    async stopSignal(id, signal, { until, resent }) {
      const init = inits.get(id);
      const n = signalNumber(signal);
      if (!init?.runtime || n === undefined) return kill(id, signal);
      const watched = { ...init, runtime: init.runtime };
      // Read before the send: the kernel judges the send as this read does, unless a handler is set in the
      // microseconds between the two (that one program would get the signal twice).
      const lost = (await fateNow(watched, n)) === 'lost';
      await kill(id, signal);
      if (lost) void resendWhenTaken(watched, n, until, () => kill(id, signal).then(resent, () => undefined));
    },
    delete: (id, opts) => cli.delete(id, opts),
    state: (id) => cli.state(id),
    exitStatus,
    waitExit: (id, signal) => waitForExitFile(dirs.exitsDir, id, () => exitStatus(id), signal),
    async cleanup(id: string): Promise<void> {
      const p = paths(id);
      cgroups.delete(id);
      inits.delete(id);
      await Promise.all([rm(p.exitFile, { force: true }), rm(p.persistDir, { recursive: true, force: true }), rm(p.socketLink, { force: true })]);
    },
    attach: (id: string) => connectAttach(paths(id).socketLink, { pid: () => readPidFile(paths(id).containerPidFile) }),
    resize: (id: string, size: { height: number; width: number }) => resizeTerminal(paths(id).socketLink, size),
    pause: (id) => cli.pause(id),
    resume: (id) => cli.resume(id),
    update: (id, resources) => cli.update(id, resources, join(paths(id).persistDir, 'resources.json')),
    pids: (id) => cli.pids(id),
    exec: (id: string, execId: string, opts: ExecProcessOptions) =>
      withCgroupAttachWarm(() => startConmonExec({ conmon, runtimePath: binary.path, runtimeRoot: dirs.runtimeRoot, execRoot, socketDir: dirs.socketDir }, id, execId, opts)),
    conmonPid: (id) => liveConmonPid(paths(id).conmonPidFile),
    logCapped: (id) => conmonCapsLog(paths(id).conmonPidFile),
    reopenLog: (id) => reopenLog(paths(id).socketLink),
  };
}
