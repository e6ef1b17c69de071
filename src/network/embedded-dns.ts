// The embedded DNS of user-defined networks: one DnsServer per container on a
// user network, serving 127.0.0.11:53 from sockets made inside the container's
// netns (dns-sockets.ts), answering with the names and aliases of the
// containers on its networks (as docker's resolver sees them) and relaying
// other names upstream from berthd's own netns.
import { readFile } from 'node:fs/promises';
import { errorMessage } from '../core/errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { Attachment, AttachmentRecords } from './attachments.ts';
import { openDnsSockets } from './dns-sockets.ts';
import { DnsServer } from './dns-server.ts';
import { embeddedUpstreams } from './resolv-conf.ts';

export class EmbeddedDns {
  readonly #attachments: AttachmentRecords;
  readonly #log: Logger;
  /** The server of each container served, by container id. */
  readonly #servers = new Map<string, DnsServer>();
  #upstreams: readonly string[] = [];

  constructor(attachments: AttachmentRecords, log: Logger) {
    this.#attachments = attachments;
    this.#log = log;
  }

  /** Re-reads the host's resolvers (where names that are no container's go). */
  async readUpstreams(): Promise<void> {
    const etc = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
    const systemd = await readFile('/run/systemd/resolve/resolv.conf', 'utf8').catch(() => '');
    this.#upstreams = embeddedUpstreams(etc, systemd);
  }

  /**
   * Serves 127.0.0.11:53 in the attachment's netns, once, when one of its
   * networks has names (a user network). Throws when the sockets cannot be
   * made there (the netns is gone, or something in it holds port 53).
   */
  async serve(att: Attachment): Promise<void> {
    const id = att.containerId;
    if (this.#servers.has(id) || !att.endpoints.some((e) => e.state.dnsNames.length > 0)) return;
    const server = new DnsServer({
      sockets: openDnsSockets(att.sandboxKey),
      lookup: (name) => this.#lookup(id, name),
      upstreams: () => this.#upstreamsOf(id),
      log: this.#log,
    });
    this.#servers.set(id, server);
    try {
      await server.start();
    } catch (err) {
      this.release(id);
      throw new Error(`the embedded DNS of container ${id} could not start: ${errorMessage(err)}`, { cause: err });
    }
  }

  /** Stops serving a container (its sockets are closed, so they keep no netns alive). */
  release(containerId: string): void {
    this.#servers.get(containerId)?.close();
    this.#servers.delete(containerId);
  }

  close(): void {
    for (const d of this.#servers.values()) d.close();
    this.#servers.clear();
  }

  /** Where the embedded DNS relays other names of a container: its --dns, else the host's resolvers. */
  #upstreamsOf(containerId: string): readonly string[] {
    const dns = this.#attachments.get(containerId)?.dns?.filter((a) => !a.includes(':'));
    return dns && dns.length > 0 ? dns : this.#upstreams;
  }

  /**
   * Addresses of `name` for a container: as docker's resolver, the first of
   * the asker's networks (in attach order) holding the name answers with every
   * holder there.
   */
  #lookup(containerId: string, name: string): string[] {
    const asker = this.#attachments.get(containerId);
    if (!asker) return [];
    for (const ep of asker.endpoints.filter((e) => e.state.dnsNames.length > 0)) {
      const net = ep.state.networkId;
      const out: string[] = [];
      const target = linkTarget(ep.links, name);
      for (const a of this.#attachments.all()) {
        for (const e of a.endpoints) {
          if (e.state.networkId === net && e.state.dnsNames.some((d) => d.toLowerCase() === target)) out.push(e.state.ipAddress);
        }
      }
      if (out.length > 0) return out;
    }
    return [];
  }
}

/** The name a link alias stands for (`name:alias`, or `name` alone), else the name itself; lower case. */
function linkTarget(links: readonly string[] | undefined, name: string): string {
  for (const l of links ?? []) {
    const [target = '', alias = target] = l.split(':');
    if (alias.toLowerCase() === name) return target.replace(/^\//, '').toLowerCase();
  }
  return name;
}
