// The small changes and questions about one container after create: docker
// rename, docker update (limits live for a running container, kept for later
// starts; a new restart policy applies from the next exit) and docker top.
import { conflict, errorMessage, internal, invalidArgument } from '../../core/errors.ts';
import { validContainerName } from '../../core/ids.ts';
import { containerAttributes } from './attributes.ts';
import type { ContainerContext } from './context.ts';
import { containerTop, type TopResult } from './top.ts';
import { applyUpdate, changesResources, updateResources, type ContainerUpdate } from './update.ts';

export class ContainerControl {
  readonly #ctx: ContainerContext;

  constructor(ctx: ContainerContext) {
    this.#ctx = ctx;
  }

  /** Conflict when the name is taken, InvalidArgument for a bad or unchanged name (docker's texts). */
  async rename(idOrName: string, newName: string): Promise<void> {
    const { reg, d } = this.#ctx;
    const c = reg.find(idOrName);
    const name = newName.replace(/^\//, '');
    if (name === '') throw invalidArgument('Neither old nor new names may be empty');
    if (!validContainerName.test(name)) throw invalidArgument(`Error when allocating new name: Invalid container name (/${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    await reg.lock.run(c.id, async () => {
      const cur = reg.find(c.id);
      if (cur.name === name) throw invalidArgument('Renaming a container with the same name as its current name');
      const holder = reg.nameHolder(name);
      if (holder !== undefined) {
        throw conflict(`Error when allocating new name: Conflict. The container name "/${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`);
      }
      reg.rename(cur, name);
      d.log.info('container renamed', { container: cur.id, from: cur.name, to: name });
    });
  }

  /**
   * docker update: new limits apply at once to a running container (`<runtime> update`)
   * and are kept for later starts; a new restart policy applies from the next exit.
   */
  async update(idOrName: string, u: ContainerUpdate): Promise<{ warnings: string[] }> {
    const { reg, d } = this.#ctx;
    const { id } = reg.find(idOrName);
    return reg.lock.run(id, async () => {
      const c = reg.find(id);
      if (c.state.status === 'removing' || reg.removing.has(id)) throw conflict(`Cannot update container ${id}: container is marked for removal and cannot be "update"`);
      const live = c.state.status === 'running' || c.state.status === 'paused';
      const host = applyUpdate(c.spec.host, u, live);
      if (live && changesResources(u)) {
        const rt = await this.#ctx.rt(id);
        if (!rt.update) throw invalidArgument(`Cannot update container ${id}: the runtime ${rt.binary.name} cannot change limits of a running container`);
        try {
          await rt.update(id, updateResources(host));
        } catch (err) {
          throw internal(`Cannot update container ${id}: ${errorMessage(err)}`, err);
        }
      }
      const next = reg.save({ ...c, spec: { ...c.spec, host } });
      d.events?.publish({ type: 'container', action: 'update', id, attributes: containerAttributes(next) });
      d.log.info('container updated', { container: id });
      return { warnings: [] };
    });
  }

  /** `ps <psArgs>` filtered to the container's processes. Conflict when not running. */
  async top(idOrName: string, psArgs = ''): Promise<TopResult> {
    const c = this.#ctx.reg.find(idOrName);
    if (c.state.status !== 'running' && c.state.status !== 'paused') throw conflict(`Container ${c.id} is not running`);
    const pids = await (await this.#ctx.rt(c.id)).pids(c.id);
    return containerTop(pids, psArgs);
  }
}
