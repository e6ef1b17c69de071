// How a container's spec maps onto networks: which CNI networks it joins (its
// network mode first, then networks connected later), which ports it
// publishes (bindings plus, with -P, every exposed port), and the /etc/hosts
// and /etc/resolv.conf it gets once it has an address.
import { writeFile } from 'node:fs/promises';
import type { Container, ContainerSpec, EndpointSpec, NetworkState } from '../../core/types.ts';
import { embeddedResolvConf, type AttachRequest } from '../../network/index.ts';
import { hostsFile, resolvConf } from './etc-files.ts';

/** The network named by a network mode, or undefined for modes without CNI (host, none, container:, ns:). */
export function primaryNetwork(spec: ContainerSpec): string | undefined {
  const mode = spec.host.networkMode;
  if (spec.networkDisabled || mode === 'none' || mode === 'host' || mode.startsWith('container:') || mode.startsWith('ns:')) return undefined;
  return mode === 'default' || mode === '' ? 'bridge' : mode;
}

/** docker clients name the default bridge `default` too. */
const canonical = (n: string) => (n === 'default' || n === '' ? 'bridge' : n);

/** Network names the container is on, primary first (the mode's network unless it was disconnected). */
export function networksOf(spec: ContainerSpec): string[] {
  const primary = primaryNetwork(spec);
  if (primary === undefined) return [];
  const connected = Object.keys(spec.endpoints ?? {}).map(canonical);
  return [...new Set(spec.modeNetworkDisconnected ? connected : [primary, ...connected])];
}

/** The spec after `network disconnect`: the endpoint goes; docker keeps the network mode even when no network is left. */
export function specAfterDisconnect(spec: ContainerSpec, network: string): ContainerSpec {
  const endpoints: Record<string, EndpointSpec> = { ...(spec.endpoints ?? {}) };
  delete endpoints[network];
  if (network === 'bridge') delete endpoints['default'];
  const detached = spec.modeNetworkDisconnected === true || primaryNetwork(spec) === network;
  return { ...spec, endpoints, ...(detached ? { modeNetworkDisconnected: true } : {}) };
}

/** The spec after `network connect`: the endpoint request is recorded; reconnecting the mode's network makes it primary again. */
export function specAfterConnect(spec: ContainerSpec, network: string, endpoint: EndpointSpec): ContainerSpec {
  const { modeNetworkDisconnected, ...rest } = spec;
  const back = modeNetworkDisconnected === true && primaryNetwork(spec) === network;
  return { ...(back ? rest : spec), endpoints: { ...(spec.endpoints ?? {}), [network]: endpoint } };
}

/** The endpoint request for a network, under its name or (default bridge) `default`. */
export function endpointSpecOf(spec: ContainerSpec, network: string): EndpointSpec {
  return spec.endpoints?.[network] ?? (network === 'bridge' ? spec.endpoints?.['default'] : undefined) ?? { aliases: [] };
}

/** Port bindings to publish: explicit ones, plus every exposed port with -P. */
export function portBindingsOf(spec: ContainerSpec): Record<string, { hostIp: string; hostPort: string }[]> {
  const out: Record<string, { hostIp: string; hostPort: string }[]> = {};
  const key = (k: string) => (k.includes('/') ? k : `${k}/tcp`);
  for (const [k, v] of Object.entries(spec.host.portBindings)) out[key(k)] = [...v];
  if (spec.host.publishAllPorts) for (const k of spec.exposedPorts) out[key(k)] ??= [{ hostIp: '', hostPort: '' }];
  return out;
}

export function attachRequest(c: Container): AttachRequest | undefined {
  const nets = networksOf(c.spec);
  if (nets.length === 0) return undefined;
  return {
    containerId: c.id,
    containerName: c.name,
    hostname: c.hostname,
    networks: nets.map((network) => ({ network, spec: endpointSpecOf(c.spec, network) })),
    portBindings: portBindingsOf(c.spec),
    ...(c.spec.host.dns.length > 0 ? { dns: c.spec.host.dns } : {}),
  };
}

/** Rewrites /etc/hosts with the container's first address, and resolv.conf to the embedded DNS on a user network. */
/** `linkHosts`: the legacy links' entries (`names:ip`), after the user's extra hosts as docker writes them. */
export async function writeNetworkEtcFiles(c: Container, state: NetworkState, hostResolv: string, linkHosts: readonly string[] = []): Promise<void> {
  const first = Object.values(state.endpoints)[0];
  if (!first) return;
  const h = c.spec.host;
  const dnsEndpoint = Object.values(state.endpoints).find((e) => e.dnsNames.length > 0);
  await Promise.all([
    writeFile(c.hostsPath, hostsFile({ hostname: c.hostname, ...(c.spec.domainname ? { domainname: c.spec.domainname } : {}), ip: first.ipAddress, extraHosts: [...h.extraHosts, ...linkHosts], ...(first.gateway ? { hostGateway: first.gateway } : {}) })),
    // docker's 127.0.0.11: the network's embedded resolver, which relays other names to --dns or the host's resolvers.
    writeFile(c.resolvConfPath, dnsEndpoint ? embeddedResolvConf(hostResolv, h) : resolvConf(hostResolv, h)),
  ]);
}
