// runtime.v1.RuntimeService: the handlers by RPC name. Version and Status
// speak for the runtime; sandboxes, containers, ExecSync, stats and the
// cAdvisor-style metrics (metrics/) go to their own files. Exec, Attach and
// PortForward answer with a URL of berth's streaming server
// (streaming/server.ts: SPDY/3.1 and WebSocket).
import { failedPrecondition, invalidArgument, unavailable } from '../core/errors.ts';
import { serverVersion, type Engine } from '../engine/index.ts';
import type { Logger } from '../lib/logger.ts';
import type { ContainerConfigMsg, LinuxResourcesMsg } from './container-config.ts';
import { ContainerHandlers } from './containers.ts';
import { execSync } from './exec-sync.ts';
import { PauseImage } from './pause-image.ts';
import { SandboxService, findSandbox, type PodSandboxConfigMsg } from './sandboxes.ts';
import type { Handler } from './handler.ts';
import { findContainer } from './containers.ts';
import { dialPod, type PodNetwork } from './streaming/pod-dial.ts';
import type { StreamingServer } from './streaming/server.ts';
import { containerStats, listContainerStats, listPodSandboxStats, podSandboxStats } from './stats.ts';
import { descriptorMessages } from './metrics/descriptors.ts';
import { listPodSandboxMetrics } from './metrics/pod-metrics.ts';

type IdFilter = { id: string; state: { state: string } | null; label_selector: Record<string, string>; pod_sandbox_id: string } | null;

/**
 * Where a port-forward connects, looked up at each connection: the pod must
 * still be ready, and its netns is the one berth's pod network records name
 * (never a path taken from a label).
 */
async function podNetworkOf(engine: Engine, podId: string): Promise<PodNetwork> {
  const sb = await findSandbox(engine, podId);
  if (sb.container.state.status !== 'running') throw failedPrecondition(`pod sandbox "${sb.container.id}" is not ready`);
  if (sb.facts.hostNetwork) return { hostNetwork: true };
  const net = await engine.podNetworks?.status(sb.facts.networkId);
  if (!net) throw unavailable(`pod sandbox "${sb.container.id}" has no network namespace`);
  return { netns: net.netns };
}

export function runtimeHandlers(deps: { engine: Engine; log: Logger; streaming: StreamingServer }): Record<string, Handler> {
  const { engine } = deps;
  const log = deps.log;
  const sandboxes = new SandboxService({ engine, pause: new PauseImage(engine), log });
  const containers = new ContainerHandlers({ engine, log });
  let podCidr = '';
  const handlers = {
    async Version() {
      return { version: '0.1.0', runtime_name: 'berth', runtime_version: serverVersion, runtime_api_version: 'v1' };
    },
    async Status(req: { verbose: boolean }) {
      const net = engine.podNetworks ? await engine.podNetworks.ready() : { ready: false as const, reason: 'pod networks are not configured' };
      // Asked of the runtime (`runc features`) and the kernel, as containerd does; never assumed.
      const rro = (await engine.system.runtimeFeatures?.())?.recursiveReadOnlyMounts ?? false;
      return {
        status: {
          conditions: [
            { type: 'RuntimeReady', status: true, reason: '', message: '' },
            net.ready ? { type: 'NetworkReady', status: true, reason: '', message: '' } : { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: `Network plugin returns error: ${net.reason}` },
          ],
        },
        info: req.verbose ? { config: JSON.stringify({ podCidr, network: net }) } : {},
        runtime_handlers: [{ name: '', features: { recursive_read_only_mounts: rro, user_namespaces: false } }],
        features: { supplemental_groups_policy: true },
      };
    },
    async UpdateRuntimeConfig(req: { runtime_config: { network_config: { pod_cidr: string } | null } | null }) {
      // berth's pod network is the conf dir's CNI configuration, which names its own ranges; the CIDR is kept for Status.
      podCidr = req.runtime_config?.network_config?.pod_cidr ?? podCidr;
      log.info('runtime config updated', { podCidr });
      return {};
    },
    async RuntimeConfig() {
      return { linux: { cgroup_driver: 'CGROUPFS' } };
    },
    async RunPodSandbox(req: { config: PodSandboxConfigMsg | null; runtime_handler: string }) {
      return { pod_sandbox_id: await sandboxes.run(req.config, req.runtime_handler) };
    },
    async StopPodSandbox(req: { pod_sandbox_id: string }) {
      await sandboxes.stop(req.pod_sandbox_id);
      return {};
    },
    async RemovePodSandbox(req: { pod_sandbox_id: string }) {
      await sandboxes.remove(req.pod_sandbox_id);
      return {};
    },
    async PodSandboxStatus(req: { pod_sandbox_id: string; verbose: boolean }) {
      return sandboxes.status(req.pod_sandbox_id, req.verbose);
    },
    async ListPodSandbox(req: { filter: IdFilter }) {
      return sandboxes.list(req.filter);
    },
    async CreateContainer(req: { pod_sandbox_id: string; config: ContainerConfigMsg | null }) {
      return { container_id: await containers.create(req.pod_sandbox_id, req.config) };
    },
    async StartContainer(req: { container_id: string }) {
      await containers.start(req.container_id);
      return {};
    },
    async StopContainer(req: { container_id: string; timeout: string }) {
      await containers.stop(req.container_id, Number(req.timeout || 0));
      return {};
    },
    async RemoveContainer(req: { container_id: string }) {
      await containers.remove(req.container_id);
      return {};
    },
    async ContainerStatus(req: { container_id: string; verbose: boolean }) {
      return containers.status(req.container_id, req.verbose);
    },
    async ListContainers(req: { filter: IdFilter }) {
      return containers.list(req.filter);
    },
    async UpdateContainerResources(req: { container_id: string; linux: LinuxResourcesMsg | null }) {
      await containers.updateResources(req.container_id, req.linux);
      return {};
    },
    async ReopenContainerLog(req: { container_id: string }) {
      await containers.reopenLog(req.container_id);
      return {};
    },
    async ExecSync(req: { container_id: string; cmd: string[]; timeout: string }) {
      return execSync(engine, req);
    },
    async ContainerStats(req: { container_id: string }) {
      return { stats: await containerStats(engine, req.container_id) };
    },
    async ListContainerStats(req: { filter: IdFilter }) {
      return { stats: await listContainerStats(engine, req.filter) };
    },
    async PodSandboxStats(req: { pod_sandbox_id: string }) {
      return { stats: await podSandboxStats(engine, req.pod_sandbox_id) };
    },
    async ListPodSandboxStats(req: { filter: IdFilter }) {
      return { stats: await listPodSandboxStats(engine, req.filter) };
    },
    async ListMetricDescriptors() {
      return { descriptors: descriptorMessages() };
    },
    async ListPodSandboxMetrics() {
      return { pod_metrics: await listPodSandboxMetrics(engine, log) };
    },
    async Exec(req: { container_id: string; cmd: string[]; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }) {
      if (req.cmd.length === 0) throw invalidArgument('cmd must not be empty');
      if (!req.stdin && !req.stdout && !req.stderr) throw invalidArgument('one of stdin, stdout, or stderr must be set');
      if (req.tty && req.stderr) throw invalidArgument('tty and stderr cannot both be true');
      const c = await findContainer(engine, req.container_id);
      if (c.state.status !== 'running') throw failedPrecondition(`container "${c.id}" is not running`);
      return { url: deps.streaming.execUrl({ containerId: c.id, cmd: req.cmd, tty: req.tty, stdin: req.stdin, stdout: req.stdout, stderr: req.stderr }) };
    },
    async Attach(req: { container_id: string; stdin: boolean; tty: boolean; stdout: boolean; stderr: boolean }) {
      if (!req.stdin && !req.stdout && !req.stderr) throw invalidArgument('one of stdin, stdout, or stderr must be set');
      const c = await findContainer(engine, req.container_id);
      if (c.state.status !== 'running') throw failedPrecondition(`container "${c.id}" is not running`);
      return { url: deps.streaming.attachUrl({ containerId: c.id, stdin: req.stdin, containerStdin: c.spec.openStdin, tty: req.tty, stdout: req.stdout, stderr: req.stderr }) };
    },
    async PortForward(req: { pod_sandbox_id: string; port: number[] }) {
      const sb = await findSandbox(engine, req.pod_sandbox_id);
      await podNetworkOf(engine, sb.container.id);
      for (const p of req.port) if (!Number.isInteger(p) || p < 1 || p > 65535) throw invalidArgument(`port ${p} is out of range 1-65535`);
      const podId = sb.container.id;
      return { url: deps.streaming.portForwardUrl({ podId, dial: async (port) => dialPod(await podNetworkOf(engine, podId), port) }, req.port) };
    },
  };
  return handlers as unknown as Record<string, Handler>;
}
