// Containers in pods: create (joined to the sandbox's namespaces, the log at
// the pod's log directory), start, stop, remove, status and list, over the
// engine's container service.
import { errorMessage, failedPrecondition, invalidArgument, isNotFound, notFound } from '../core/errors.ts';
import type { Container } from '../core/types.ts';
import type { Engine } from '../engine/index.ts';
import type { Logger } from '../lib/logger.ts';
import { containerSpec, resourcesOf, type ContainerConfigMsg, type LinuxResourcesMsg } from './container-config.ts';
import { findImage } from './image-lookup.ts';
import { asImageVolumeError, imageVolumeSpecs, imageVolumeStatuses, isImageVolume } from './image-volumes.ts';
import { jsonLabel, labelKeys, matchesSelector, unixNanos } from './labels.ts';
import { processUser } from './process-user.ts';
import { criObjects, findSandbox } from './sandboxes.ts';

type CriState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

export function containerState(c: Container): CriState {
  switch (c.state.status) {
    case 'created':
      return 'CONTAINER_CREATED';
    case 'running':
    case 'paused':
    case 'restarting':
      return 'CONTAINER_RUNNING';
    case 'exited':
    case 'dead':
      return 'CONTAINER_EXITED';
    default:
      return 'CONTAINER_UNKNOWN';
  }
}

/** A CRI container (full id or unique prefix); NotFound otherwise. */
export async function findContainer(engine: Engine, id: string): Promise<Container> {
  if (id === '') throw invalidArgument('ContainerId must be set');
  const c = await engine.containers.inspect(id).catch((err: unknown) => {
    throw isNotFound(err) ? notFound(`an error occurred when try to find container "${id}": not found`) : err;
  });
  if (c.spec.labels[labelKeys.kind] !== 'container') throw notFound(`an error occurred when try to find container "${id}": not found`);
  return c;
}

function reasonOf(c: Container): string {
  if (containerState(c) !== 'CONTAINER_EXITED') return '';
  if (c.state.oomKilled) return 'OOMKilled';
  return c.state.exitCode === 0 ? 'Completed' : 'Error';
}

export class ContainerHandlers {
  readonly #engine: Engine;
  readonly #log: Logger;

  constructor(deps: { engine: Engine; log: Logger }) {
    this.#engine = deps.engine;
    this.#log = deps.log;
  }

  async create(podId: string, config: ContainerConfigMsg | null): Promise<string> {
    if (!config) throw invalidArgument('container config must be set');
    const sandbox = await findSandbox(this.#engine, podId);
    if (sandbox.container.state.status !== 'running') throw failedPrecondition(`sandbox "${sandbox.container.id}" is not running`);
    const ref = config.image?.image ?? '';
    const image = await findImage(this.#engine, ref);
    if (!image) throw notFound(`failed to get image "${ref}": image not found`);
    const features = { recursiveReadOnlyMounts: (await this.#engine.system.runtimeFeatures?.())?.recursiveReadOnlyMounts ?? false };
    // Image volumes are the engine's image mounts (image-volumes.ts); the other mounts are binds.
    const { spec, name, logPath } = await containerSpec(sandbox, { ...config, mounts: config.mounts.filter((m) => !isImageVolume(m)) }, image.id, features);
    const imageMounts = await imageVolumeSpecs(this.#engine, config.mounts);
    const full = imageMounts.length === 0 ? spec : { ...spec, host: { ...spec.host, mounts: [...spec.host.mounts, ...imageMounts] } };
    const { id } = await this.#engine.containers.create(full, { name, ...(logPath !== undefined ? { logPath } : {}) }).catch((err: unknown) => {
      throw asImageVolumeError(err);
    });
    this.#log.info('CRI container created', { container: id, sandbox: sandbox.container.id });
    return id;
  }

  async start(id: string): Promise<void> {
    const c = await findContainer(this.#engine, id);
    if (c.state.status !== 'created') throw failedPrecondition(`container "${c.id}" is in ${containerState(c)} state: only a created container can start`);
    await this.#engine.containers.start(c.id);
  }

  /** Stops a running container; one already stopped or gone is stopped (the CRI's stop is idempotent, as containerd's). */
  async stop(id: string, timeout: number): Promise<void> {
    let c: Container;
    try {
      c = await findContainer(this.#engine, id);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (c.state.status === 'running' || c.state.status === 'paused') await this.#engine.containers.stop(c.id, { timeout: Math.max(0, timeout) });
  }

  async remove(id: string): Promise<void> {
    try {
      const c = await findContainer(this.#engine, id);
      // The CRI gets a removal complete when it answers: the rootfs and image volumes are gone too.
      await this.#engine.containers.remove(c.id, { force: true, purged: true });
    } catch (err) {
      // The CRI's remove is idempotent: a container already gone is removed.
      if (!isNotFound(err)) throw err;
    }
  }

  async status(id: string, verbose: boolean): Promise<object> {
    const c = await findContainer(this.#engine, id);
    const requested = c.spec.labels[labelKeys.image] ?? '';
    const image = await findImage(this.#engine, c.imageId).catch(() => undefined);
    const h = c.spec.host;
    const user = containerState(c) === 'CONTAINER_RUNNING' ? await processUser(c.state.pid) : undefined;
    return {
      status: {
        id: c.id,
        metadata: jsonLabel(c.spec.labels, labelKeys.metadata, {}),
        state: containerState(c),
        created_at: unixNanos(c.created),
        started_at: unixNanos(c.state.startedAt),
        finished_at: unixNanos(c.state.finishedAt),
        exit_code: containerState(c) === 'CONTAINER_EXITED' ? c.state.exitCode : 0,
        image: { image: requested || c.imageId },
        image_ref: image?.repoDigests[0] ?? c.imageId,
        image_id: c.imageId,
        reason: reasonOf(c),
        message: c.state.error,
        labels: jsonLabel(c.spec.labels, labelKeys.labels, {}),
        annotations: jsonLabel(c.spec.labels, labelKeys.annotations, {}),
        mounts: [...(c.mountPoints ?? []).filter((m) => m.type === 'bind').map((m) => ({
          container_path: m.destination,
          host_path: m.source,
          readonly: !m.rw,
          recursive_read_only: m.recursiveReadOnly ?? false,
          propagation: m.propagation === 'rshared' ? 'PROPAGATION_BIDIRECTIONAL' : m.propagation === 'rslave' ? 'PROPAGATION_HOST_TO_CONTAINER' : 'PROPAGATION_PRIVATE',
        })), ...imageVolumeStatuses(c)],
        log_path: c.logPath,
        ...(user ? { user } : {}),
        resources: { linux: { cpu_period: String(h.cpuPeriod), cpu_quota: String(h.cpuQuota), cpu_shares: String(h.cpuShares), memory_limit_in_bytes: String(h.memory), oom_score_adj: String(h.oomScoreAdj ?? 0), cpuset_cpus: h.cpusetCpus } },
      },
      info: verbose ? { info: JSON.stringify({ pid: c.state.pid, sandboxID: c.spec.labels[labelKeys.sandboxId] ?? '', runtime: c.runtime }) } : {},
    };
  }

  async list(filter: { id: string; state: { state: string } | null; pod_sandbox_id: string; label_selector: Record<string, string> } | null): Promise<object> {
    const items = (await criObjects(this.#engine, 'container')).filter((c) => {
      if (filter?.id && !c.id.startsWith(filter.id)) return false;
      if (filter?.pod_sandbox_id && !(c.spec.labels[labelKeys.sandboxId] ?? '').startsWith(filter.pod_sandbox_id)) return false;
      if (filter?.state && containerState(c) !== filter.state.state) return false;
      return matchesSelector(jsonLabel(c.spec.labels, labelKeys.labels, {}), filter?.label_selector);
    });
    return {
      containers: items.map((c) => ({
        id: c.id,
        pod_sandbox_id: c.spec.labels[labelKeys.sandboxId] ?? '',
        metadata: jsonLabel(c.spec.labels, labelKeys.metadata, {}),
        image: { image: c.spec.labels[labelKeys.image] || c.imageId },
        image_ref: c.imageId,
        image_id: c.imageId,
        state: containerState(c),
        created_at: unixNanos(c.created),
        labels: jsonLabel(c.spec.labels, labelKeys.labels, {}),
        annotations: jsonLabel(c.spec.labels, labelKeys.annotations, {}),
      })),
    };
  }

  async updateResources(id: string, linux: LinuxResourcesMsg | null): Promise<void> {
    const c = await findContainer(this.#engine, id);
    const r = resourcesOf(linux);
    if (!this.#engine.containers.update) throw failedPrecondition('this engine cannot update containers');
    await this.#engine.containers.update(c.id, {
      ...(r.cpuPeriod ? { cpuPeriod: r.cpuPeriod } : {}),
      ...(r.cpuQuota ? { cpuQuota: r.cpuQuota } : {}),
      ...(r.cpuShares ? { cpuShares: r.cpuShares } : {}),
      ...(r.memory ? { memory: r.memory } : {}),
      ...(r.memorySwap ? { memorySwap: r.memorySwap } : {}),
      ...(r.cpusetCpus ? { cpusetCpus: r.cpusetCpus } : {}),
    });
  }

  async reopenLog(id: string): Promise<void> {
    const c = await findContainer(this.#engine, id);
    if (c.state.status !== 'running') throw failedPrecondition(`container "${c.id}" is not running`);
    await this.#engine.logFiles!.reopen(c.id).catch((err: unknown) => {
      throw failedPrecondition(`failed to reopen the log of container "${c.id}": ${errorMessage(err)}`);
    });
  }
}
