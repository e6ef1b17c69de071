// The embedded DNS of user-defined networks: one DnsServer per network on its
// gateway address, answering with the attached containers' names and aliases
// (as docker's resolver sees them) and relaying other names upstream. The
// containers reach it as 127.0.0.11 (dns-redirect.ts).
import { readFile } from 'node:fs/promises';
import { errorMessage } from '../core/errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { Attachment, AttachmentRecords } from './attachments.ts';
import { redirectEmbeddedDns } from './dns-redirect.ts';
import { DnsServer } from './dns-server.ts';
import { embeddedUpstreams } from './resolv-conf.ts';
import type { NetworkRecord } from './types.ts';

export class EmbeddedDns {
  readonly #attachments: AttachmentRecords;
  readonly #log: Logger;
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

  /** Starts the network's server on its gateway, once; a failure is logged (the network works without names). */
  async start(n: NetworkRecord): Promise<void> {
    if (this.#servers.has(n.id) || !n.gateway) return;
    const server = new DnsServer({
      address: n.gateway,
      lookup: (name, client) => this.#lookup(n.id, name, client),
      upstreams: (client) => this.#upstreamsOf(client),
      log: this.#log,
    });
    try {
      await server.start();
      this.#servers.set(n.id, server);
    } catch (err) {
      this.#log.warn('embedded DNS could not start', { network: n.name, address: n.gateway, err: errorMessage(err) });
    }
  }

  stop(networkId: string): void {
    this.#servers.get(networkId)?.close();
    this.#servers.delete(networkId);
  }

  close(): void {
    for (const d of this.#servers.values()) d.close();
    this.#servers.clear();
  }

  /** Sends the netns's 127.0.0.11:53 to the embedded DNS of its first user network (once per netns). */
  async redirect(att: Attachment): Promise<void> {
    const first = att.endpoints.find((e) => e.state.dnsNames.length > 0);
    if (!first || !first.state.gateway) return;
    await redirectEmbeddedDns(att.sandboxKey, first.state.gateway);
  }

  /** Where the embedded DNS relays names of the container at `client`: its --dns, else the host's resolvers. */
  #upstreamsOf(client: string): readonly string[] {
    const dns = this.#attachments.at(client)?.dns?.filter((a) => !a.includes(':'));
    return dns && dns.length > 0 ? dns : this.#upstreams;
  }

  /**
   * Addresses of `name` for the container at `client`: as docker's resolver,
   * the first of the asker's networks (in attach order) holding the name
   * answers with every holder there. An unknown asker sees this network only.
   */
  #lookup(networkId: string, name: string, client: string): string[] {
    const asker = this.#attachments.at(client);
    const networks = asker ? asker.endpoints.filter((e) => e.state.dnsNames.length > 0).map((e) => e.state.networkId) : [networkId];
    for (const net of networks) {
      const out: string[] = [];
      const target = linkTarget(asker?.endpoints.find((e) => e.state.networkId === net)?.links, name);
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
