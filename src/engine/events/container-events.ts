// Publishing docker's container events around the container, exec and file
// services: each service is wrapped so that a successful call publishes what
// dockerd would (create, start, kill, exec_start, commit…). Events that no call
// causes (a container's `die`) are published by the service itself through
// its EventPublisher dependency. Image, network and volume events: ./object-events.ts.
import { constants } from 'node:os';
import type { Container } from '../../core/types.ts';
import type { EventBus, EventPublisher } from './events.ts';
import type { ContainerService } from '../types.ts';
import type { ExecService } from '../exec/execs.ts';
import type { FileService } from '../container/files.ts';
import { parseSignal } from '../container/signals.ts';
import { containerAttributes } from '../container/attributes.ts';
import { familiar, wrap } from './service-proxy.ts';

// Kept here too for the services that publish their own events.
export { containerAttributes };

function signalNumber(sig: string | undefined, fallback: string): string {
  let name = fallback;
  try {
    if (sig !== undefined && sig !== '') name = parseSignal(sig);
  } catch {
    return sig ?? fallback;
  }
  return String((constants.signals as Record<string, number>)[name] ?? name);
}

/** docker's `volume mount` / `network connect` at a start, and their undoing at the exit. */
function attachmentEvents(c: Container, events: EventPublisher, up: boolean): void {
  for (const m of c.mountPoints ?? []) {
    if (m.type !== 'volume' || m.name === undefined) continue;
    const attributes = up ? { container: c.id, destination: m.destination, driver: m.driver ?? 'local', propagation: m.propagation, 'read/write': String(m.rw) } : { container: c.id, driver: m.driver ?? 'local' };
    events.publish({ type: 'volume', action: up ? 'mount' : 'unmount', id: m.name, attributes });
  }
  for (const e of Object.values(c.network?.endpoints ?? {})) {
    events.publish({ type: 'network', action: up ? 'connect' : 'disconnect', id: e.networkId, attributes: { container: c.id, name: e.networkName, type: 'bridge' } });
  }
}

/**
 * Wraps the container service; `bus` (when given) is watched for `die` so that
 * the volumes and networks a start attached are reported let go.
 */
export function publishContainerEvents(s: ContainerService, events: EventPublisher, bus?: EventBus): ContainerService {
  const emit = (c: Container, action: string, extra?: Record<string, string>) => events.publish({ type: 'container', action, id: c.id, attributes: containerAttributes(c, extra) });
  const attached = new Map<string, Container>();
  if (bus) {
    const deaths = bus.subscribe({ filters: { type: ['container'], event: ['die'] } });
    void (async () => {
      for await (const e of deaths) {
        const c = attached.get(e.id);
        attached.delete(e.id);
        if (c) attachmentEvents(c, events, false);
      }
    })();
  }
  const running = async (idOrName: string) => {
    const c = await s.inspect(idOrName).catch(() => undefined);
    return c && (c.state.status === 'running' || c.state.status === 'paused') ? c : undefined;
  };
  return wrap<ContainerService>(s, {
    async create(spec, options) {
      const r = await s.create(spec, options);
      emit(await s.inspect(r.id), 'create');
      return r;
    },
    async start(idOrName) {
      const started = await s.start(idOrName);
      if (started) {
        const c = await s.inspect(idOrName);
        attachmentEvents(c, events, true);
        attached.set(c.id, c);
        emit(c, 'start');
      }
      return started;
    },
    async stop(idOrName, options) {
      // dockerd: kill (the stop signal), die, then stop.
      const c = await running(idOrName);
      if (c) emit(c, 'kill', { signal: signalNumber(options?.signal ?? c.spec.stopSignal, 'SIGTERM') });
      const stopped = await s.stop(idOrName, options);
      if (stopped) emit(await s.inspect(idOrName), 'stop');
      return stopped;
    },
    async kill(idOrName, signal) {
      const c = await running(idOrName);
      if (c) emit(c, 'kill', { signal: signalNumber(signal, 'SIGKILL') });
      await s.kill(idOrName, signal);
    },
    async restart(idOrName, options) {
      const c = await running(idOrName);
      if (c) emit(c, 'kill', { signal: signalNumber(options?.signal ?? c.spec.stopSignal, 'SIGTERM') });
      await s.restart(idOrName, options);
      const after = await s.inspect(idOrName);
      if (c) emit(after, 'stop');
      attachmentEvents(after, events, true);
      attached.set(after.id, after);
      emit(after, 'start');
      emit(after, 'restart');
    },
    async remove(idOrName, options) {
      const c = await s.inspect(idOrName);
      if (options?.force && (c.state.status === 'running' || c.state.status === 'paused')) emit(c, 'kill', { signal: '9' });
      await s.remove(idOrName, options);
      emit(c, 'destroy');
    },
    async pause(idOrName) {
      await s.pause(idOrName);
      emit(await s.inspect(idOrName), 'pause');
    },
    async unpause(idOrName) {
      await s.unpause(idOrName);
      emit(await s.inspect(idOrName), 'unpause');
    },
    async rename(idOrName, newName) {
      const before = await s.inspect(idOrName);
      await s.rename(idOrName, newName);
      emit(await s.inspect(before.id), 'rename', { oldName: `/${before.name}` });
    },
    async top(idOrName, psArgs) {
      const r = await s.top(idOrName, psArgs);
      emit(await s.inspect(idOrName), 'top');
      return r;
    },
    async attachStdio(idOrName, options) {
      const r = await s.attachStdio(idOrName, options);
      emit(await s.inspect(idOrName), 'attach');
      return r;
    },
  });
}

/** docker's `<entrypoint> <args joined>`: `true ` for a command without arguments. */
function execLine(cmd: readonly string[]): string {
  return `${cmd[0] ?? ''} ${cmd.slice(1).join(' ')}`;
}

export function publishExecEvents(s: ExecService, containers: Pick<ContainerService, 'inspect'>, events: EventPublisher): ExecService {
  // The container as created against, so that exec_start goes out before the process can die (exec_die).
  const created = new Map<string, Container>();
  const publish = (c: Container, action: string, execId: string) => events.publish({ type: 'container', action, id: c.id, attributes: containerAttributes(c, { execID: execId }) });
  return wrap<ExecService>(s, {
    async create(containerIdOrName, spec) {
      const id = await s.create(containerIdOrName, spec);
      const x = s.inspect(id);
      const c = await containers.inspect(x.containerId).catch(() => undefined);
      if (c) {
        publish(c, `exec_create: ${execLine(x.spec.cmd)}`, id);
        created.set(id, c);
        // Never-started execs must not pile up here.
        if (created.size > 1000) created.delete(created.keys().next().value as string);
      }
      return id;
    },
    start(execId, options) {
      // Guard failures (unknown, already running, already ran) throw here, before any event, as in docker.
      const p = s.start(execId, options);
      const c = created.get(execId);
      created.delete(execId);
      if (c) publish(c, `exec_start: ${execLine(s.inspect(execId).spec.cmd)}`, execId);
      return p;
    },
  });
}

/** docker's `container commit` (after the new image's `tag`) and `container export`. */
export function publishFileEvents(s: FileService, containers: ContainerService, events: EventPublisher): FileService {
  const emit = (c: Container, action: string, extra: Record<string, string> = {}) => events.publish({ type: 'container', action, id: c.id, attributes: containerAttributes(c, extra) });
  return wrap<FileService>(s, {
    async commit(idOrName, options = {}) {
      const img = await s.commit(idOrName, options);
      const c = await containers.inspect(idOrName);
      const ref = options.repo ? familiar(`${options.repo}:${options.tag ?? 'latest'}`) : '';
      if (ref) events.publish({ type: 'image', action: 'tag', id: img.id, attributes: { name: ref } });
      emit(c, 'commit', { comment: options.comment ?? '', imageID: img.id, imageRef: ref });
      return img;
    },
    async export(idOrName, out) {
      await s.export(idOrName, out);
      emit(await containers.inspect(idOrName), 'export');
    },
  });
}
