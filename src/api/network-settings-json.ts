// A container's networking as docker shows it: inspect's NetworkSettings
// (Networks per endpoint, Ports), and list's Ports and NetworkSettings.
import type { Container, EndpointSpec, EndpointState } from '../core/types.ts';
import { endpointSpecOf, networksOf, primaryNetwork } from '../engine/index.ts';
import { maxApiVersion, versionLess } from './version.ts';

/** EndpointSettings.IPAMConfig as docker shows it: the fields given, or null. */
function ipamConfigJson(requested: EndpointSpec | undefined): { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } | null {
  if (!requested?.ipv4Address && !requested?.ipv6Address && !requested?.linkLocalIps) return null;
  return {
    ...(requested.ipv4Address ? { IPv4Address: requested.ipv4Address } : {}),
    ...(requested.ipv6Address ? { IPv6Address: requested.ipv6Address } : {}),
    ...(requested.linkLocalIps ? { LinkLocalIPs: [...requested.linkLocalIps] } : {}),
  };
}

function endpointJson(e: EndpointState | undefined, requested: EndpointSpec | undefined, shortId: string | undefined, version: string) {
  const aliases = [...(requested?.aliases ?? [])];
  if (shortId !== undefined && !aliases.includes(shortId)) aliases.push(shortId);
  return {
    IPAMConfig: ipamConfigJson(requested),
    Links: requested?.links ? [...requested.links] : null,
    Aliases: aliases.length > 0 ? aliases : null,
    // Before the endpoint exists docker shows the address asked for.
    MacAddress: e?.macAddress ?? requested?.macAddress ?? '',
    DriverOpts: requested?.driverOpts ? { ...requested.driverOpts } : null,
    // Fields of later API versions are absent below them (as dockerd of that version answers).
    ...(versionLess(version, '1.48') ? {} : { GwPriority: 0 }),
    NetworkID: e?.networkId ?? '',
    EndpointID: e?.endpointId ?? '',
    Gateway: e?.gateway ?? '',
    IPAddress: e?.ipAddress ?? '',
    IPPrefixLen: e?.prefixLen ?? 0,
    IPv6Gateway: e?.ipv6?.gateway ?? '',
    GlobalIPv6Address: e?.ipv6?.address ?? '',
    GlobalIPv6PrefixLen: e?.ipv6?.prefixLen ?? 0,
    ...(versionLess(version, '1.44') ? {} : { DNSNames: e && e.dnsNames.length > 0 ? [...e.dnsNames] : null }),
  };
}

/** Network name → endpoint JSON: live endpoints while running, the configured networks (empty) otherwise. */
export function networksJson(c: Container, version: string = maxApiVersion): Record<string, ReturnType<typeof endpointJson>> {
  const mode = c.spec.host.networkMode;
  const names = networksOf(c.spec);
  if (names.length === 0 && c.spec.modeNetworkDisconnected !== true) names.push(mode === 'default' ? 'bridge' : mode);
  const out: Record<string, ReturnType<typeof endpointJson>> = {};
  // dockerd adds the short id to a user network's aliases when it connects the
  // container: at its first start, or at `network connect` (of a secondary network).
  const started = c.state.startedAt !== '0001-01-01T00:00:00Z' && c.state.startedAt !== '';
  for (const n of names) {
    const userDefined = !['bridge', 'host', 'none', 'default'].includes(n);
    const connected = started || c.network?.endpoints[n] !== undefined || n !== primaryNetwork(c.spec);
    out[n] = endpointJson(c.network?.endpoints[n], endpointSpecOf(c.spec, n), userDefined && connected ? c.id.slice(0, 12) : undefined, version);
  }
  return out;
}

/** inspect's `Ports`: published bindings while running, exposed ports as null. */
export function portsJson(c: Container): Record<string, { HostIp: string; HostPort: string }[] | null> {
  if (!c.network) return {};
  const out: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const p of c.spec.exposedPorts) out[p.includes('/') ? p : `${p}/tcp`] = null;
  for (const [k, v] of Object.entries(c.network.ports)) out[k] = v.map((b) => ({ HostIp: b.hostIp, HostPort: b.hostPort }));
  return out;
}

export function networkSettingsJson(c: Container, version: string = maxApiVersion) {
  const networks = networksJson(c, version);
  const first = Object.values(c.network?.endpoints ?? {})[0];
  return {
    Bridge: '',
    SandboxID: c.network ? c.id : '',
    SandboxKey: c.network?.sandboxKey ?? '',
    Ports: portsJson(c),
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    // docker fills the top-level fields from the default bridge endpoint only.
    EndpointID: first?.networkName === 'bridge' ? first.endpointId : '',
    Gateway: first?.networkName === 'bridge' ? first.gateway : '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: first?.networkName === 'bridge' ? first.ipAddress : '',
    IPPrefixLen: first?.networkName === 'bridge' ? first.prefixLen : 0,
    IPv6Gateway: '',
    MacAddress: first?.networkName === 'bridge' ? first.macAddress : '',
    Networks: networks,
  };
}

/** list's `Ports`: one entry per binding, exposed-only ports without IP/PublicPort. */
export function listPortsJson(c: Container): { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[] {
  const out: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[] = [];
  // dockerd lists ports from the live network settings, which a container has
  // only while it runs: a created or exited container lists none.
  if (c.state.status !== 'running' && c.state.status !== 'paused') return out;
  const published = new Set<string>();
  for (const [k, v] of Object.entries(c.network?.ports ?? {})) {
    const [port = '0', type = 'tcp'] = k.split('/');
    published.add(k);
    for (const b of v) out.push({ IP: b.hostIp, PrivatePort: Number(port), PublicPort: Number(b.hostPort), Type: type });
  }
  for (const p of c.spec.exposedPorts) {
    const k = p.includes('/') ? p : `${p}/tcp`;
    if (published.has(k)) continue;
    const [port = '0', type = 'tcp'] = k.split('/');
    out.push({ PrivatePort: Number(port), Type: type });
  }
  return out;
}
