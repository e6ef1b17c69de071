// The /etc/resolv.conf of a container on a user-defined network, as dockerd
// (libnetwork's rebuildDNS + resolvconf.Build) writes it: search domains
// (--dns-search, else the host's), `nameserver 127.0.0.11`, and options
// (--dns-option, else the host's) plus `ndots:0` unless an ndots above 0 was
// given. The real resolvers (--dns, else the host's) are not listed: the
// embedded server relays to them. Also: which resolvers the embedded server
// relays to for the host (embeddedUpstreams).
import { embeddedDnsAddress } from './dns-sockets.ts';

function entries(text: string, key: string): string[][] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[0] === key)
    .map((f) => f.slice(1));
}

export function embeddedResolvConf(host: string, options: { dnsSearch: readonly string[]; dnsOptions: readonly string[] }): string {
  // The last search/domain line wins, as in the resolver.
  const hostSearch = host
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[0] === 'search' || f[0] === 'domain')
    .map((f) => f.slice(1))
    .pop();
  const search = options.dnsSearch.length > 0 ? [...options.dnsSearch] : (hostSearch ?? []);
  const opts = options.dnsOptions.length > 0 ? [...options.dnsOptions] : entries(host, 'options').flat();
  const userNdots = opts.some((o) => {
    const m = /^ndots:(\d+)$/.exec(o);
    return m !== null && Number(m[1]) > 0;
  });
  if (!userNdots) opts.push('ndots:0');
  const lines: string[] = [];
  if (search.length > 0 && search.join(' ').trim() !== '.') lines.push(`search ${search.join(' ')}`);
  lines.push(`nameserver ${embeddedDnsAddress}`);
  lines.push(`options ${opts.join(' ')}`);
  return lines.join('\n') + '\n';
}

const loopback = (a: string) => /^127\./.test(a) || a === '::1';
const fallback = ['8.8.8.8', '8.8.4.4'];

/**
 * The IPv4 resolvers the embedded server relays to when a container has no
 * --dns: the host's /etc/resolv.conf nameservers; when that only names a
 * loopback stub (systemd-resolved), the servers behind it as
 * /run/systemd/resolve/resolv.conf lists them; else docker's public fallback.
 */
export function embeddedUpstreams(etcResolv: string, systemdResolv: string): string[] {
  for (const text of [etcResolv, systemdResolv]) {
    const ns = entries(text, 'nameserver')
      .map((f) => f[0] ?? '')
      .filter((a) => a !== '' && !a.includes(':') && !loopback(a));
    if (ns.length > 0) return ns;
  }
  return [...fallback];
}
