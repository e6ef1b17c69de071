// LocalExecService: docker's exec instances — created against a running
// container, started once (attached or detached) as another process in it
// under its own conmon, resized, inspected for their exit code. The process
// is built from the container's own OCI process (its env, user, capabilities)
// with the exec's command, env, user, working dir and TTY on top. Records live
// in memory: bounded in number and age, dropped with their container and, for
// health probes, as soon as the verdict is in.
import type { EventPublisher } from '../events/events.ts';
import { containerAttributes } from '../container/attributes.ts';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { conflict, invalidArgument, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Container } from '../../core/types.ts';
import type { Logger } from '../../lib/logger.ts';
import { hostCapabilities, resolveUser } from '../../runtime/index.ts';
import type { ContainerRuntime, ExecProcess } from '../../runtime/index.ts';
import { AttachSession, type ContainerAttachment } from '../container/attach-session.ts';
import { processEnv } from '../container/config.ts';
import { execBaseEnv } from './exec-env.ts';

export interface ExecSpec {
  readonly cmd: readonly string[];
  readonly env: readonly string[];
  /** `user`, `uid`, `user:group`…; empty: the container's user. */
  readonly user: string;
  /** Empty: the container's working dir. */
  readonly workingDir: string;
  readonly tty: boolean;
  readonly attachStdin: boolean;
  readonly attachStdout: boolean;
  readonly attachStderr: boolean;
  readonly privileged: boolean;
  readonly detachKeys: string;
  /** [height, width] of the TTY at start. */
  readonly consoleSize?: readonly [number, number];
}

export interface ExecInstance {
  readonly id: string;
  readonly containerId: string;
  readonly spec: ExecSpec;
  readonly running: boolean;
  /** null until the process has exited. */
  readonly exitCode: number | null;
  readonly pid: number;
}

export interface ExecService {
  /** Conflict `Container <id> is not running` (or paused) otherwise; InvalidArgument without a command. */
  create(containerIdOrName: string, spec: ExecSpec): Promise<string>;
  /**
   * Starts the exec. Guard failures throw synchronously (NotFound, Conflict
   * `Error: Exec command <id> is already running` / `has already run`), so that
   * api/ can answer them before hijacking; start failures reject later (the
   * exit code is recorded as 126, as docker does). Attached: resolves with
   * the process's stdio; detached: resolves once it runs. The process has a
   * terminal when the exec was created with `tty` (how the stream is framed
   * is the caller's business, as dockerd's start `Tty` is).
   */
  start(execId: string, options: { detach: boolean; consoleSize?: readonly [number, number] }): Promise<ContainerAttachment | undefined>;
  resize(execId: string, size: { height: number; width: number }): Promise<void>;
  /** NotFound `No such exec instance: <id>`. */
  inspect(execId: string): ExecInstance;
  /** Drops a finished exec's record (health probes do, as docker's do); unknown or running: nothing. */
  discard(execId: string): void;
  /**
   * The client detached from a running exec with the detach keys: as dockerd,
   * the exec is done for the engine (not running, exit code 126) while its
   * process runs on unobserved. Unknown or not running: nothing.
   */
  detached(execId: string): void;
  /** Drops every exec record of a removed container. */
  forgetContainer(containerId: string): void;
  /** Sends a signal to a running exec's process (the CRI's ExecSync timeout kills it); not running: nothing. Optional for fakes. */
  kill?(execId: string, signal: NodeJS.Signals): void;
  /** Ids of a container's execs that are created or running (docker's ExecIDs). */
  activeIds(containerId: string): string[];
}

export interface ExecServiceDeps {
  readonly execRoot: string;
  readonly inspectContainer: (idOrName: string) => Promise<Container>;
  readonly runtimeFor: (c: Container) => Promise<ContainerRuntime>;
  readonly log: Logger;
  /** docker's `exec_die` event; absent: none. */
  readonly events?: EventPublisher;
  /** How many exec records to keep at most (finished ones go first); default 1000. */
  readonly maxRecords?: number;
  /** A finished (or never started) exec stays inspectable this long, as docker's exec GC allows; default 5 min. */
  readonly keepFinishedMs?: number;
}

interface ExecRecord {
  id: string;
  containerId: string;
  spec: ExecSpec;
  /** The environment before the exec's own Env (exec-env.ts). */
  baseEnv: readonly string[];
  state: 'created' | 'running' | 'exited';
  exitCode: number | null;
  pid: number;
  process?: ExecProcess;
  /** The client detached: its later exit is not recorded (dockerd forgets such an exec). */
  detached?: boolean;
  /** When it was created, then when it exited (ms since the epoch): the age the clean-up goes by. */
  since: number;
}

export class LocalExecService implements ExecService {
  readonly #d: ExecServiceDeps;
  readonly #execs = new Map<string, ExecRecord>();

  constructor(deps: ExecServiceDeps) {
    this.#d = deps;
  }

  async create(containerIdOrName: string, spec: ExecSpec): Promise<string> {
    const c = await this.#d.inspectContainer(containerIdOrName);
    this.#checkRunning(c, containerIdOrName);
    if (spec.cmd.length === 0) throw invalidArgument('No exec command specified');
    this.#sweep();
    // As dockerd, the environment (links included) is taken when the exec is created.
    const baseEnv = await execBaseEnv(c, spec.tty, this.#d.inspectContainer);
    const id = newId();
    this.#execs.set(id, { id, containerId: c.id, spec, baseEnv, state: 'created', exitCode: null, pid: 0, since: Date.now() });
    return id;
  }

  /**
   * Bounds the records: finished and never-started execs older than
   * keepFinishedMs go; past maxRecords the oldest finished ones go too (running
   * execs always stay: their exit is still to be recorded).
   */
  #sweep(): void {
    const max = this.#d.maxRecords ?? 1000;
    const cutoff = Date.now() - (this.#d.keepFinishedMs ?? 5 * 60_000);
    for (const [id, r] of this.#execs) if (r.state !== 'running' && r.since < cutoff) this.#execs.delete(id);
    if (this.#execs.size < max) return;
    const idle = [...this.#execs.values()].filter((r) => r.state !== 'running').sort((a, b) => a.since - b.since);
    for (const r of idle.slice(0, this.#execs.size - max + 1)) this.#execs.delete(r.id);
  }

  discard(execId: string): void {
    const r = this.#execs.get(execId);
    if (r && r.state !== 'running') this.#execs.delete(execId);
  }

  detached(execId: string): void {
    const r = this.#execs.get(execId);
    if (!r || r.state !== 'running') return;
    r.detached = true;
    r.state = 'exited';
    r.exitCode = 126;
    r.pid = 0;
    r.since = Date.now();
  }

  activeIds(containerId: string): string[] {
    return [...this.#execs.values()].filter((r) => r.containerId === containerId && r.state !== 'exited').map((r) => r.id);
  }

  forgetContainer(containerId: string): void {
    for (const [id, r] of this.#execs) if (r.containerId === containerId) this.#execs.delete(id);
  }

  /** docker names a paused container as the client did (`asGiven`), a stopped one by its id. */
  #checkRunning(c: Container, asGiven: string = c.id): void {
    if (c.state.status === 'paused') throw conflict(`Container ${asGiven} is paused, unpause the container before exec`);
    if (c.state.status !== 'running') throw conflict(`Container ${c.id} is not running`);
  }

  #get(execId: string): ExecRecord {
    const r = this.#execs.get(execId);
    if (!r) throw notFound(`No such exec instance: ${execId}`);
    return r;
  }

  kill(execId: string, signal: NodeJS.Signals): void {
    const r = this.#execs.get(execId);
    if (r === undefined || r.state !== 'running' || r.pid <= 0) return;
    try {
      process.kill(r.pid, signal);
    } catch {
      // Gone between the check and the signal: nothing to kill.
    }
  }

  inspect(execId: string): ExecInstance {
    const r = this.#get(execId);
    return { id: r.id, containerId: r.containerId, spec: r.spec, running: r.state === 'running', exitCode: r.exitCode, pid: r.pid };
  }

  start(execId: string, options: { detach: boolean; consoleSize?: readonly [number, number] }): Promise<ContainerAttachment | undefined> {
    const r = this.#get(execId);
    if (r.state === 'running') throw conflict(`Error: Exec command ${execId} is already running`);
    if (r.state === 'exited') throw conflict(`Error: Exec command ${execId} has already run`);
    r.state = 'running';
    return this.#doStart(r, options).catch((err: unknown) => {
      // docker records any start failure of an exec as exit 126 (ContainerExecStart's deferred clean-up).
      r.state = 'exited';
      r.exitCode = 126;
      r.since = Date.now();
      throw err;
    });
  }

  async #doStart(r: ExecRecord, options: { detach: boolean; consoleSize?: readonly [number, number] }): Promise<ContainerAttachment | undefined> {
    const c = await this.#d.inspectContainer(r.containerId);
    this.#checkRunning(c);
    const tty = r.spec.tty;
    const attach = !options.detach;
    const stdin = attach && r.spec.attachStdin;
    const processSpec = await this.#processSpec(c, r.spec, tty, r.baseEnv);
    const rt = await this.#d.runtimeFor(c);
    const size = options.consoleSize ?? r.spec.consoleSize;
    const proc = await rt.exec(c.id, r.id, {
      process: processSpec,
      terminal: tty,
      stdin,
      attach,
      ...(size && size[0] > 0 && size[1] > 0 ? { size: { height: size[0], width: size[1] } } : {}),
    });
    r.process = proc;
    r.pid = proc.pid;
    const exited = proc.exited.then(
      (code) => {
        if (r.detached) {
          void proc.cleanup().catch((err: unknown) => this.#d.log.warn('exec clean-up failed', { exec: r.id, err }));
          return;
        }
        r.exitCode = code;
        r.state = 'exited';
        r.pid = 0;
        r.since = Date.now();
        this.#d.log.info('exec exited', { container: c.id, exec: r.id, exitCode: code });
        this.#d.events?.publish({ type: 'container', action: 'exec_die', id: c.id, attributes: containerAttributes(c, { execID: r.id, exitCode: String(code) }) });
        // Past the exit: leftover files only waste space.
        void proc.cleanup().catch((err: unknown) => this.#d.log.warn('exec clean-up failed', { exec: r.id, err }));
      },
      (err: unknown) => {
        if (r.detached) return;
        r.exitCode = 255;
        r.state = 'exited';
        r.since = Date.now();
        this.#d.log.warn('waiting for an exec failed', { exec: r.id, err });
      },
    );
    this.#d.log.info('exec started', { container: c.id, exec: r.id, pid: proc.pid });
    if (!proc.connection) return undefined;
    const session = new AttachSession({ tty, stdin });
    session.connect(proc.connection, exited);
    return session;
  }

  /** The container's OCI process with the exec's command, env, user, cwd and TTY. */
  async #processSpec(c: Container, spec: ExecSpec, tty: boolean, baseEnv: readonly string[]): Promise<Record<string, unknown>> {
    const bundle = join(this.#d.execRoot, 'containers', c.id);
    const config = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as { process?: Record<string, unknown>; root?: { path?: string } };
    const base = config.process ?? {};
    const env = processEnv(baseEnv, spec.env);
    const out: Record<string, unknown> = { ...base, terminal: tty, args: [...spec.cmd], env };
    delete out['consoleSize'];
    if (spec.workingDir) out['cwd'] = spec.workingDir;
    let uid = (base['user'] as { uid?: number } | undefined)?.uid ?? 0;
    if (spec.user) {
      const rootfs = config.root?.path;
      if (!rootfs) throw invalidArgument('cannot resolve the exec user: the container has no root');
      const u = await resolveUser(rootfs.startsWith('/') ? rootfs : join(bundle, rootfs), spec.user);
      uid = u.uid;
      out['user'] = { uid: u.uid, gid: u.gid, additionalGids: [u.gid, ...u.additionalGids.filter((g) => g !== u.gid)] };
    }
    let caps = (base['capabilities'] as { bounding?: string[] } | undefined)?.bounding ?? [];
    if (spec.privileged) caps = [...hostCapabilities()];
    // As for the container itself: a non-root process keeps only the bounding set.
    out['capabilities'] = uid === 0 ? { bounding: caps, effective: [...caps], permitted: [...caps] } : { bounding: caps };
    return out;
  }

  async resize(execId: string, size: { height: number; width: number }): Promise<void> {
    const r = this.#get(execId);
    if (r.state !== 'running' || !r.process) throw conflict(`Exec ${execId} is not running`);
    await r.process.resize(size);
  }
}
