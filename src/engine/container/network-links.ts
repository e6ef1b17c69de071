// A container's networks and legacy links after create: docker network
// connect/disconnect (live for a running container), removing a legacy link
// (`rm --link`, which also updates a running container's /etc/hosts), and
// letting the networks go when its process ends.
import { readFile } from 'node:fs/promises';
import { conflict, errorMessage, internal, invalidArgument, isNotFound, notFound } from '../../core/errors.ts';
import type { EndpointSpec } from '../../core/types.ts';
import type { ContainerContext, StoredContainer } from './context.ts';
import { resolveLinks } from './links.ts';
import { networksOf, primaryNetwork, specAfterConnect, specAfterDisconnect, writeNetworkEtcFiles } from './network.ts';

/** Detaches the container from its networks (best effort: logged) and clears its network state. */
export async function releaseNetwork(ctx: ContainerContext, id: string): Promise<void> {
  const { d, reg } = ctx;
  await d.network?.detach(id).catch((err: unknown) => d.log.warn('network detach failed', { container: id, err: errorMessage(err) }));
  const cur = reg.get(id);
  if (cur?.network) reg.setNetworkState(cur, undefined);
}

export class ContainerNetworkLinks {
  readonly #ctx: ContainerContext;

  constructor(ctx: ContainerContext) {
    this.#ctx = ctx;
  }

  /** docker network connect: records the endpoint request; a running container is connected at once. */
  async connect(idOrName: string, networkName: string, endpoint: EndpointSpec): Promise<void> {
    const { reg, d } = this.#ctx;
    const { id } = reg.find(idOrName);
    await reg.lock.run(id, async () => {
      let c = reg.find(id);
      const mode = c.spec.host.networkMode;
      if (mode === 'host' || mode.startsWith('container:')) throw invalidArgument('container sharing network namespace with another container or host cannot be connected to any other network');
      if (primaryNetwork(c.spec) === undefined) throw invalidArgument('container cannot be connected to multiple networks with one of the networks in private (none) mode');
      if (networksOf(c.spec).includes(networkName)) throw conflict(`endpoint with name ${c.name} already exists in network ${networkName}`);
      if (c.state.status === 'running' && c.network && d.network) {
        const network = await d.network.connect(id, networkName, endpoint);
        c = reg.setState(c, {}, { network });
      }
      reg.save({ ...c, spec: specAfterConnect(c.spec, networkName, endpoint) });
    });
  }

  /** docker network disconnect: a running container loses the endpoint at once; the network mode stays (no network left: loopback only). */
  async disconnect(idOrName: string, networkName: string): Promise<void> {
    const { reg, d } = this.#ctx;
    const { id } = reg.find(idOrName);
    await reg.lock.run(id, async () => {
      let c = reg.find(id);
      if (!networksOf(c.spec).includes(networkName)) throw conflict(`container ${c.id} is not connected to network ${networkName}`);
      if (c.state.status === 'running' && c.network && d.network) {
        const network = await d.network.disconnect(id, networkName);
        if (network) c = reg.setState(c, {}, { network });
      }
      reg.save({ ...c, spec: specAfterDisconnect(c.spec, networkName) });
    });
  }

  /** Removes the legacy link `/<container>/<alias>`; NotFound when there is none, Internal for a container's own name. */
  async removeLink(name: string): Promise<void> {
    const { reg, d } = this.#ctx;
    const path = name.replace(/^\/+/, '');
    const slash = path.lastIndexOf('/');
    if (slash < 0) {
      reg.find(path);
      throw internal('Conflict, cannot remove the default link name of the container');
    }
    const alias = path.slice(slash + 1);
    let parent: StoredContainer;
    try {
      parent = reg.find(path.slice(0, slash));
    } catch (err) {
      if (isNotFound(err)) throw notFound(`No such container: ${name}`);
      throw err;
    }
    await reg.lock.run(parent.id, async () => {
      const c = reg.find(parent.id);
      const links = c.spec.host.links ?? [];
      // As docker's name registry: a link whose container is gone has no name left to remove.
      if (!links.some((l) => l.alias === alias) || !reg.linkTarget(path)) throw notFound(`No such container: ${name}`);
      const next = reg.save({ ...c, spec: { ...c.spec, host: { ...c.spec.host, links: links.filter((l) => l.alias !== alias) } } });
      // A running container's /etc/hosts loses the entry at once, as docker updates its sandbox.
      if (next.state.status === 'running' && next.network) {
        let hosts: readonly string[] = [];
        try {
          hosts = resolveLinks(next, (x) => reg.find(x)).hosts;
        } catch (err) {
          d.log.warn('a remaining link no longer resolves', { container: c.id, err: errorMessage(err) });
        }
        await writeNetworkEtcFiles(next, next.network, await readFile('/etc/resolv.conf', 'utf8').catch(() => ''), hosts);
      }
      d.log.info('container link removed', { container: c.id, alias });
    });
  }
}
