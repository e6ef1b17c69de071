// One RUN step as a container: created from the step's parent image through the
// engine's container service (overlay snapshot over the parent's layers, OCI
// spec, conmon + the OCI runtime), stdin closed, no TTY, its output streamed
// line by line to the caller while it runs. The caller diffs the container's
// upper dir into a layer and removes the container.
import type { ContainerSpec, HostSpec, MountSpec, Ulimit } from '../core/types.ts';
import type { LogLine } from '../runtime/index.ts';

/** The part of the engine's container service that a build uses. */
export interface BuildContainers {
  create(spec: ContainerSpec, options?: { name?: string }): Promise<{ id: string; warnings: string[] }>;
  start(idOrName: string): Promise<boolean>;
  attach(idOrName: string, options?: { signal?: AbortSignal }): AsyncIterable<LogLine>;
  wait(idOrName: string, condition: 'not-running' | 'next-exit' | 'removed', signal?: AbortSignal): Promise<{ exitCode: number; error?: string }>;
  remove(idOrName: string, options?: { force?: boolean }): Promise<void>;
}

/** The resources of a build's RUN containers (`POST /build`'s memory, cpushares, shmsize, ulimits, …). */
export interface RunLimits {
  readonly memory: number;
  readonly memorySwap: number;
  readonly cpuShares: number;
  readonly cpuPeriod: number;
  readonly cpuQuota: number;
  readonly cpusetCpus: string;
  /** Bytes; 0: the default 64 MiB. */
  readonly shmSize: number;
  readonly ulimits: readonly Ulimit[];
}

const noLimits: RunLimits = { memory: 0, memorySwap: 0, cpuShares: 0, cpuPeriod: 0, cpuQuota: 0, cpusetCpus: '', shmSize: 0, ulimits: [] };

export interface RunStepInput {
  /** The image the step runs on (an intermediate image of this build). */
  readonly image: string;
  readonly argv: readonly string[];
  readonly env: readonly string[];
  readonly workingDir: string;
  readonly user: string;
  /** `bridge`, `none`, `host` or a network name. */
  readonly networkMode: string;
  /** RUN --mount binds and tmpfs. */
  readonly mounts?: readonly MountSpec[];
  readonly limits?: RunLimits;
  /** `host:ip` lines for /etc/hosts (`extrahosts`). */
  readonly extraHosts?: readonly string[];
}

function hostSpec(networkMode: string, mounts: readonly MountSpec[], limits: RunLimits, extraHosts: readonly string[]): HostSpec {
  return {
    networkMode,
    autoRemove: false,
    binds: [],
    mounts,
    memory: limits.memory,
    memoryReservation: 0,
    memorySwap: limits.memorySwap,
    nanoCpus: 0,
    cpuShares: limits.cpuShares,
    cpuQuota: limits.cpuQuota,
    cpuPeriod: limits.cpuPeriod,
    cpusetCpus: limits.cpusetCpus,
    pidsLimit: 0,
    privileged: false,
    capAdd: [],
    capDrop: [],
    securityOpt: [],
    readonlyRootfs: false,
    tmpfs: {},
    ulimits: limits.ulimits,
    shmSize: limits.shmSize,
    sysctls: {},
    extraHosts,
    dns: [],
    dnsSearch: [],
    dnsOptions: [],
    init: false,
    restartPolicy: { name: 'no', maximumRetryCount: 0 },
    logConfig: { type: 'json-file', config: {} },
    portBindings: {},
    publishAllPorts: false,
    devices: [],
    oomKillDisable: false,
  };
}

/** The container spec of a RUN step: the command replaces entrypoint and cmd. */
export function runStepSpec(input: RunStepInput): ContainerSpec {
  return {
    image: input.image,
    entrypoint: [''],
    cmd: input.argv,
    env: input.env,
    ...(input.workingDir ? { workingDir: input.workingDir } : {}),
    ...(input.user ? { user: input.user } : {}),
    labels: {},
    tty: false,
    openStdin: false,
    stdinOnce: false,
    attachStdin: false,
    attachStdout: true,
    attachStderr: true,
    exposedPorts: [],
    volumes: [],
    networkDisabled: input.networkMode === 'none',
    host: hostSpec(input.networkMode, input.mounts ?? [], input.limits ?? noLimits, input.extraHosts ?? []),
  };
}

/**
 * Creates the container (calling `onCreated` with its id before it starts and
 * `onStarted` once it runs), runs it to the end
 * while passing each output chunk to `onOutput`, and returns its exit code.
 * The container is left in place (exited) for the caller to diff and remove.
 */
export async function runStep(
  containers: BuildContainers,
  input: RunStepInput,
  hooks: { onCreated: (id: string) => void | Promise<void>; onStarted?: (id: string) => Promise<void>; onOutput: (text: string, stream: 'stdout' | 'stderr') => void; signal?: AbortSignal },
): Promise<{ id: string; exitCode: number; error?: string }> {
  const { id } = await containers.create(runStepSpec(input));
  await hooks.onCreated(id);
  const output = containers.attach(id, hooks.signal ? { signal: hooks.signal } : {});
  const pump = (async () => {
    for await (const line of output) hooks.onOutput(line.data.toString('utf8'), line.stream);
  })();
  const waiting = containers.wait(id, 'next-exit', hooks.signal);
  try {
    await containers.start(id);
    await hooks.onStarted?.(id);
  } catch (err) {
    pump.catch(() => undefined);
    waiting.catch(() => undefined);
    throw err;
  }
  const result = await waiting;
  await pump;
  return { id, exitCode: result.exitCode, ...(result.error !== undefined ? { error: result.error } : {}) };
}
