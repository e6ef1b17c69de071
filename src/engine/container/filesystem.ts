// Access to a container's filesystem for cp, export, diff and commit. A
// running or paused container's files are reached by the agent from inside its
// mount namespace; any other container is handled under its lock with the
// rootfs mounted for the call (so that a start cannot race the mount) and the
// agent binds its volumes and binds inside a private mount namespace. berthd
// itself opens no path of the container's files for cp (docs/security.md).
import { stat } from 'node:fs/promises';
import type { ContainerContext, StoredContainer } from './context.ts';
import { FsAgent, type AgentRoot } from './fs-agent.ts';
import type { ContainerFiles, ContainerFsView } from './fs-view.ts';

export interface FilesystemOptions {
  /** Start the agent before `fn` (cp, export): a running container that exits meanwhile is then handled as a stopped one. */
  readonly files?: boolean;
}

/** Runs `fn` with a view whose agent (started on demand, or at once with `eager`) is ended when `fn` settles. */
async function withView<T>(base: Omit<ContainerFsView, 'files'>, root: AgentRoot, eager: FsAgent | undefined, fn: (view: ContainerFsView) => Promise<T>): Promise<T> {
  let starting: Promise<FsAgent> | undefined = eager ? Promise.resolve(eager) : undefined;
  const files = async (): Promise<ContainerFiles> => {
    starting ??= FsAgent.start(root);
    const a = await starting;
    return { view: a.view, base: a.base };
  };
  try {
    return await fn({ ...base, files });
  } finally {
    if (starting) await starting.then((a) => a.close(), () => undefined);
  }
}

const live = (c: StoredContainer) => (c.state.status === 'running' || c.state.status === 'paused') && c.state.pid > 0;

export async function withFilesystem<T>(ctx: ContainerContext, idOrName: string, fn: (view: ContainerFsView) => Promise<T>, options: FilesystemOptions = {}): Promise<T> {
  const { reg, d } = ctx;
  const { id } = reg.find(idOrName);
  const cur = reg.find(id);
  const lowerChain = cur.lowerChain ?? ctx.lowerChain(await d.images.get(cur.imageId));
  const { merged, upper, lower } = d.snapshotter.rootfsPaths(id, lowerChain);
  /** Runs fn on a running container; undefined when it turned out to have stopped. */
  const running = async (c: StoredContainer): Promise<{ value: T } | undefined> => {
    const root: AgentRoot = { pid: c.state.pid, rootfs: merged };
    const view = { container: c, merged, upper, lower, running: true };
    if (!options.files) return { value: await withView(view, root, undefined, fn) };
    // The agent checks the process's root is this container's rootfs; a process that has exited meanwhile fails it.
    const agent = await FsAgent.start(root).catch((err: unknown) => {
      if (live(reg.find(id))) throw err;
      return undefined;
    });
    return agent && { value: await withView(view, root, agent, fn) };
  };
  if (live(cur)) {
    const r = await running(cur);
    if (r) return r.value;
  }
  return reg.lock.run(id, async () => {
    const c = reg.find(id);
    if (live(c)) {
      const r = await running(c);
      if (r) return r.value;
    }
    // As start does: layers kept only as blobs (a load) are unpacked when the overlay cannot mount them.
    const rootfs = await ctx.mountRootfs(c, lowerChain);
    try {
      const binds = (c.mountPoints ?? []).filter((m) => m.type !== 'tmpfs' && m.source !== '').map((m) => ({ destination: m.destination, source: m.source, rw: m.rw }));
      // Once started, the container's own /etc/hostname, /etc/hosts and /etc/resolv.conf, as a running
      // one sees them (dockerd's archive of a stopped container shows them too), unless a bind covers them.
      const started = c.state.startedAt !== '' && c.state.startedAt !== '0001-01-01T00:00:00Z';
      for (const [destination, source] of [['/etc/hostname', c.hostnamePath], ['/etc/hosts', c.hostsPath], ['/etc/resolv.conf', c.resolvConfPath]] as const) {
        if (started && source && !binds.some((m) => m.destination === destination) && (await stat(source).then((st) => st.isFile(), () => false))) binds.push({ destination, source, rw: true });
      }
      // Parents before children, as runc mounts them.
      const depth = (p: string) => p.split('/').filter(Boolean).length;
      binds.sort((a, b) => depth(a.destination) - depth(b.destination));
      return await withView({ container: c, merged: rootfs, upper, lower, running: false }, { rootfs, binds }, undefined, fn);
    } finally {
      // Best effort: a mount left behind is unmounted by the next start/exit/remove.
      await d.snapshotter.unmountRootfs(id).catch((err: unknown) => d.log.warn('unmount after file access failed', { container: id, err }));
    }
  });
}
