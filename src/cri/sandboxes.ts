// Pod sandboxes: RunPodSandbox makes the pod's network namespace through the
// CNI conf dir (engine.podNetworks), then starts the pod's infra container
// (berth's pause image) in it with the pod's hostname, DNS, IPC/PID choices
// and cgroup parent; the pod's containers join its namespaces. Stop kills the
// pod's containers and its infra process and tears the network down; Remove
// also removes them. Status and List read the infra containers' labels.
import { randomBytes } from 'node:crypto';
import { errorMessage, invalidArgument, isNotFound, notFound } from '../core/errors.ts';
import type { Container } from '../core/types.ts';
import type { Engine, PodPortMapping } from '../engine/index.ts';
import type { Logger } from '../lib/logger.ts';
import { baseSpec, podHost } from './engine-spec.ts';
import { criLabels, jsonLabel, labelKeys, matchesSelector, unixNanos, type SandboxFacts } from './labels.ts';
import { pauseImageRef, type PauseImage } from './pause-image.ts';

interface PodSandboxMetadataMsg {
  readonly name: string;
  readonly uid: string;
  readonly namespace: string;
  readonly attempt: number;
}
interface NamespaceOptionMsg {
  readonly network: string;
  readonly pid: string;
  readonly ipc: string;
  readonly target_id: string;
}
export interface PodSandboxConfigMsg {
  readonly metadata: PodSandboxMetadataMsg | null;
  readonly hostname: string;
  readonly log_directory: string;
  readonly dns_config: { servers: string[]; searches: string[]; options: string[] } | null;
  readonly port_mappings: { protocol: string; container_port: number; host_port: number; host_ip: string }[];
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly linux: {
    cgroup_parent: string;
    security_context: { namespace_options: NamespaceOptionMsg | null; privileged: boolean } | null;
    sysctls: Record<string, string>;
  } | null;
}

export interface Sandbox {
  readonly container: Container;
  readonly facts: SandboxFacts;
}

export function isSandbox(c: Container): boolean {
  return c.spec.labels[labelKeys.kind] === 'sandbox';
}

export function factsOf(c: Container): SandboxFacts {
  return jsonLabel<SandboxFacts>(c.spec.labels, labelKeys.sandbox, {
    hostname: '', logDirectory: '', netns: '', networkId: '', hostNetwork: false, hostIpc: false, hostPid: false, namespaceOptions: {}, cgroupParent: '', runtimeHandler: '', dns: { servers: [], searches: [], options: [] },
  });
}

/** The sandbox a CRI id (full or a unique prefix) names; NotFound otherwise. */
export async function findSandbox(engine: Engine, id: string): Promise<Sandbox> {
  if (id === '') throw invalidArgument('PodSandboxId must be set');
  const c = await engine.containers.inspect(id).catch((err: unknown) => {
    throw isNotFound(err) ? notFound(`an error occurred when try to find sandbox "${id}": not found`) : err;
  });
  if (!isSandbox(c)) throw notFound(`an error occurred when try to find sandbox "${id}": not found`);
  return { container: c, facts: factsOf(c) };
}

export async function criObjects(engine: Engine, kind: 'sandbox' | 'container'): Promise<Container[]> {
  return engine.containers.list({ all: true, filters: { label: [`${labelKeys.kind}=${kind}`] } });
}

function sandboxState(c: Container): 'SANDBOX_READY' | 'SANDBOX_NOTREADY' {
  return c.state.status === 'running' || c.state.status === 'paused' ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY';
}

function podPorts(config: PodSandboxConfigMsg): PodPortMapping[] {
  return config.port_mappings
    .filter((p) => p.host_port > 0)
    .map((p) => ({ hostPort: p.host_port, containerPort: p.container_port, protocol: (p.protocol || 'TCP').toLowerCase(), hostIP: p.host_ip }));
}

export class SandboxService {
  readonly #engine: Engine;
  readonly #pause: PauseImage;
  readonly #log: Logger;

  constructor(deps: { engine: Engine; pause: PauseImage; log: Logger }) {
    this.#engine = deps.engine;
    this.#pause = deps.pause;
    this.#log = deps.log;
  }

  async run(config: PodSandboxConfigMsg | null, runtimeHandler: string): Promise<string> {
    const md = config?.metadata;
    if (!config || !md || md.name === '' || md.namespace === '' || md.uid === '') throw invalidArgument('sandbox config must include metadata with name, namespace and uid');
    if (runtimeHandler !== '' && runtimeHandler !== 'runc' && runtimeHandler !== 'berth') throw notFound(`no runtime for "${runtimeHandler}" is configured`);
    const ns = config.linux?.security_context?.namespace_options;
    const hostNetwork = ns?.network === 'NODE';
    const facts0 = {
      hostname: hostNetwork ? '' : config.hostname,
      logDirectory: config.log_directory,
      hostNetwork,
      hostIpc: ns?.ipc === 'NODE',
      hostPid: ns?.pid === 'NODE',
      namespaceOptions: { network: ns?.network ?? 'POD', pid: ns?.pid ?? 'POD', ipc: ns?.ipc ?? 'POD', target_id: ns?.target_id ?? '' },
      cgroupParent: config.linux?.cgroup_parent ?? '',
      runtimeHandler,
      dns: { servers: config.dns_config?.servers ?? [], searches: config.dns_config?.searches ?? [], options: config.dns_config?.options ?? [] },
    };
    const image = await this.#pause.ensure();
    const networkId = hostNetwork ? '' : randomBytes(32).toString('hex');
    let netns = '';
    if (!hostNetwork) {
      if (!this.#engine.podNetworks) throw invalidArgument('pod networks are not configured in this berthd');
      netns = (await this.#engine.podNetworks.setUp(networkId, { portMappings: podPorts(config) })).netns;
    }
    const facts: SandboxFacts = { ...facts0, netns, networkId };
    const name = `k8s_POD_${md.name}_${md.namespace}_${md.uid}_${md.attempt}`;
    const labels = criLabels('sandbox', { metadata: md, labels: config.labels, annotations: config.annotations, extra: { [labelKeys.sandbox]: JSON.stringify(facts) } });
    const spec = baseSpec(image.id, labels, {
      ...podHost(facts),
      ...(facts.hostIpc ? { ipcMode: 'host' } : {}),
      ...(facts.hostPid ? { pidMode: 'host' } : {}),
      sysctls: config.linux?.sysctls ?? {},
    });
    let id: string | undefined;
    try {
      id = (await this.#engine.containers.create({ ...spec, ...(facts.hostname !== '' ? { hostname: facts.hostname } : {}), stopTimeout: 0 }, { name })).id;
      await this.#engine.containers.start(id);
      this.#log.info('pod sandbox running', { sandbox: id, pod: `${md.namespace}/${md.name}`, image: pauseImageRef });
      return id;
    } catch (err) {
      if (id !== undefined) await this.#engine.containers.remove(id, { force: true }).catch((e: unknown) => this.#log.warn('removing a failed sandbox failed', { sandbox: id, err: errorMessage(e) }));
      if (networkId !== '') await this.#engine.podNetworks?.tearDown(networkId).catch((e: unknown) => this.#log.warn('tearing down a failed sandbox network failed', { err: errorMessage(e) }));
      throw err;
    }
  }

  /** Stops the pod's containers and its infra process, then tears its network down (idempotent: a sandbox already gone is stopped). */
  async stop(id: string): Promise<void> {
    const sandbox = await findSandbox(this.#engine, id).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (sandbox === undefined) return;
    const { container, facts } = sandbox;
    const members = (await criObjects(this.#engine, 'container')).filter((c) => c.spec.labels[labelKeys.sandboxId] === container.id);
    await Promise.all(members.map((c) => (c.state.status === 'running' || c.state.status === 'paused' ? this.#engine.containers.stop(c.id, { timeout: 0 }) : Promise.resolve(false))));
    if (sandboxState(container) === 'SANDBOX_READY') await this.#engine.containers.stop(container.id, { timeout: 0 });
    if (facts.networkId !== '') await this.#engine.podNetworks?.tearDown(facts.networkId);
  }

  /** Removes the pod's containers and its infra container; a sandbox already gone is not an error. */
  async remove(id: string): Promise<void> {
    const sandbox = await findSandbox(this.#engine, id).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (sandbox === undefined) return;
    const { container, facts } = sandbox;
    const members = (await criObjects(this.#engine, 'container')).filter((c) => c.spec.labels[labelKeys.sandboxId] === container.id);
    for (const c of members) await this.#engine.containers.remove(c.id, { force: true, purged: true }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
    await this.#engine.containers.remove(container.id, { force: true, purged: true }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
    if (facts.networkId !== '') await this.#engine.podNetworks?.tearDown(facts.networkId);
  }

  async status(id: string, verbose: boolean): Promise<object> {
    const { container, facts } = await findSandbox(this.#engine, id);
    const net = facts.networkId !== '' && sandboxState(container) === 'SANDBOX_READY' ? await this.#engine.podNetworks?.status(facts.networkId) : undefined;
    const ips = net?.ips ?? [];
    return {
      status: {
        id: container.id,
        metadata: jsonLabel(container.spec.labels, labelKeys.metadata, {}),
        state: sandboxState(container),
        created_at: unixNanos(container.created),
        network: { ip: ips[0] ?? '', additional_ips: ips.slice(1).map((ip) => ({ ip })) },
        linux: { namespaces: { options: facts.namespaceOptions } },
        labels: jsonLabel(container.spec.labels, labelKeys.labels, {}),
        annotations: jsonLabel(container.spec.labels, labelKeys.annotations, {}),
        runtime_handler: facts.runtimeHandler,
      },
      info: verbose ? { info: JSON.stringify({ pid: container.state.pid, netns: facts.netns, image: pauseImageRef, hostname: facts.hostname }) } : {},
      containers_statuses: [],
      timestamp: (BigInt(Date.now()) * 1_000_000n).toString(),
    };
  }

  async list(filter: { id: string; state: { state: string } | null; label_selector: Record<string, string> } | null): Promise<object> {
    const items = (await criObjects(this.#engine, 'sandbox')).filter((c) => {
      if (filter?.id && !c.id.startsWith(filter.id)) return false;
      if (filter?.state && sandboxState(c) !== filter.state.state) return false;
      return matchesSelector(jsonLabel(c.spec.labels, labelKeys.labels, {}), filter?.label_selector);
    });
    return {
      items: items.map((c) => ({
        id: c.id,
        metadata: jsonLabel(c.spec.labels, labelKeys.metadata, {}),
        state: sandboxState(c),
        created_at: unixNanos(c.created),
        labels: jsonLabel(c.spec.labels, labelKeys.labels, {}),
        annotations: jsonLabel(c.spec.labels, labelKeys.annotations, {}),
        runtime_handler: factsOf(c).runtimeHandler,
      })),
    };
  }
}
