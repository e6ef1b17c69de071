// The per-container /etc/hosts, /etc/hostname and /etc/resolv.conf contents,
// made the way dockerd makes them (libnetwork etchosts and resolvconf).

/** docker's default hosts file, then extra hosts, then `<ip> <hostname>` when the container has an address. */
export function hostsFile(options: { hostname: string; domainname?: string; ip?: string; extraHosts: readonly string[]; hostGateway?: string }): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
  ];
  for (const extra of options.extraHosts) {
    const i = extra.indexOf(':');
    if (i <= 0) continue;
    let ip = extra.slice(i + 1);
    // --add-host name:host-gateway: the host's address on the container's network (left out until it has one).
    if (ip === 'host-gateway') {
      if (!options.hostGateway) continue;
      ip = options.hostGateway;
    }
    lines.push(`${ip}\t${extra.slice(0, i)}`);
  }
  if (options.ip) {
    const names = options.domainname ? `${options.hostname}.${options.domainname} ${options.hostname}` : options.hostname;
    lines.push(`${options.ip}\t${names}`);
  }
  return lines.join('\n') + '\n';
}

const fallbackNameservers = ['8.8.8.8', '8.8.4.4'];

function isLocalhost(addr: string): boolean {
  return /^127\./.test(addr) || addr === '::1';
}

/**
 * The host's resolv.conf without localhost nameservers (unreachable from a
 * container's own network namespace), docker's public fallback when none is
 * left; with `dns`, `dnsSearch` or `dnsOptions`, the file is built anew as
 * dockerd does (search, nameservers, options), each replacing the host's.
 */
export function resolvConf(host: string, options: { dns: readonly string[]; dnsSearch: readonly string[]; dnsOptions: readonly string[] }): string {
  const nameservers: string[] = [];
  const search: string[] = [];
  const opts: string[] = [];
  const other: string[] = [];
  for (const raw of host.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver') {
      const addr = rest[0];
      if (addr !== undefined && !isLocalhost(addr) && !addr.includes(':')) nameservers.push(addr);
    } else if (key === 'search' || key === 'domain') search.splice(0, search.length, ...rest);
    else if (key === 'options') opts.push(...rest);
    else other.push(line);
  }
  const ns = options.dns.length > 0 ? [...options.dns] : nameservers.length > 0 ? nameservers : fallbackNameservers;
  const se = options.dnsSearch.length > 0 ? [...options.dnsSearch] : search;
  const op = options.dnsOptions.length > 0 ? [...options.dnsOptions] : opts;
  if (options.dns.length > 0 || options.dnsSearch.length > 0 || options.dnsOptions.length > 0) {
    // dockerd builds the file anew (libnetwork's resolvconf.Build): search, nameservers, options.
    const built: string[] = [];
    if (se.length > 0 && se.join(' ').trim() !== '.') built.push(`search ${se.join(' ')}`);
    built.push(...ns.map((n) => `nameserver ${n}`));
    if (op.length > 0 && op.join(' ').trim() !== '') built.push(`options ${op.join(' ')}`);
    return built.join('\n') + '\n';
  }
  const out = ns.map((n) => `nameserver ${n}`);
  if (se.length > 0) out.push(`search ${se.join(' ')}`);
  if (op.length > 0) out.push(`options ${op.join(' ')}`);
  out.push(...other);
  return out.join('\n') + '\n';
}
