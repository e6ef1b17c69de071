// NetworkingConfig.EndpointsConfig (create body) and the connect body's
// EndpointConfig → berth's EndpointSpec (aliases and a fixed IPv4 address).
import { invalidArgument } from '../core/errors.ts';
import type { EndpointSpec } from '../core/types.ts';
import { versionLess } from './version.ts';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function endpointSpecFrom(v: unknown, where: string): EndpointSpec {
  if (v === undefined || v === null) return { aliases: [] };
  if (!isObj(v)) throw invalidArgument(`invalid ${where}: expected an object`);
  const aliases = v['Aliases'];
  if (aliases !== undefined && aliases !== null && (!Array.isArray(aliases) || !aliases.every((a) => typeof a === 'string'))) throw invalidArgument(`invalid ${where}.Aliases: expected a list of strings`);
  const ipam = v['IPAMConfig'];
  const ip = isObj(ipam) && typeof ipam['IPv4Address'] === 'string' && ipam['IPv4Address'] !== '' ? ipam['IPv4Address'] : undefined;
  const ip6 = isObj(ipam) && typeof ipam['IPv6Address'] === 'string' && ipam['IPv6Address'] !== '' ? ipam['IPv6Address'] : undefined;
  const mac = macAddressFrom(v['MacAddress'], `${where}.MacAddress`);
  const links = stringList(v['Links'], `${where}.Links`);
  const linkLocalIps = isObj(ipam) ? stringList(ipam['LinkLocalIPs'], `${where}.IPAMConfig.LinkLocalIPs`) : undefined;
  const driverOpts = stringMap(v['DriverOpts'], `${where}.DriverOpts`);
  return {
    aliases: (aliases as string[] | null | undefined) ?? [],
    ...(ip !== undefined ? { ipv4Address: ip } : {}),
    ...(ip6 !== undefined ? { ipv6Address: ip6 } : {}),
    ...(mac !== undefined ? { macAddress: mac } : {}),
    ...(links !== undefined ? { links } : {}),
    ...(linkLocalIps !== undefined ? { linkLocalIps } : {}),
    ...(driverOpts !== undefined ? { driverOpts } : {}),
  };
}

/** A list of strings; undefined when absent, null or empty. */
function stringList(v: unknown, where: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw invalidArgument(`invalid ${where}: expected a list of strings`);
  return v.length > 0 ? [...v] : undefined;
}

/** An object of strings; undefined when absent, null or empty. */
function stringMap(v: unknown, where: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v) || !Object.values(v).every((x) => typeof x === 'string')) throw invalidArgument(`invalid ${where}: expected an object of strings`);
  return Object.keys(v).length > 0 ? { ...(v as Record<string, string>) } : undefined;
}

/** A MAC address field: undefined when absent or empty; InvalidArgument when malformed. */
function macAddressFrom(v: unknown, where: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw invalidArgument(`invalid ${where}: expected a string`);
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(v)) throw invalidArgument(`${v} is not a valid mac address`);
  return v.toLowerCase();
}

/**
 * The deprecated container-wide Config.MacAddress (API < 1.44 clients, and
 * berth's own CLI) applies to the network-mode's endpoint, as docker does;
 * an endpoint-specific address wins, and the two must not disagree.
 */
export function withContainerMac(endpoints: Record<string, EndpointSpec> | undefined, networkMode: string, body: Record<string, unknown>): Record<string, EndpointSpec> | undefined {
  const mac = macAddressFrom(body['MacAddress'], 'Config.MacAddress');
  if (mac === undefined) return endpoints;
  const mode = networkMode === '' ? 'default' : networkMode;
  if (mode === 'none' || mode === 'host' || mode.startsWith('container:')) return endpoints;
  const key = endpoints?.[mode] !== undefined ? mode : mode === 'default' && endpoints?.['bridge'] !== undefined ? 'bridge' : mode === 'bridge' && endpoints?.['default'] !== undefined ? 'default' : mode;
  const current = endpoints?.[key];
  if (current?.macAddress !== undefined && current.macAddress !== mac) {
    throw invalidArgument('the container-wide MAC address must match the endpoint-specific MAC address for the main network, or be left empty');
  }
  return { ...(endpoints ?? {}), [key]: { ...(current ?? { aliases: [] }), macAddress: mac } };
}

/** The create body's NetworkingConfig.EndpointsConfig by network name (undefined when absent or empty). */
export function endpointsFromCreateBody(body: Record<string, unknown>): Record<string, EndpointSpec> | undefined {
  const nc = body['NetworkingConfig'];
  if (!isObj(nc) || !isObj(nc['EndpointsConfig'])) return undefined;
  const out: Record<string, EndpointSpec> = {};
  for (const [name, v] of Object.entries(nc['EndpointsConfig'])) out[name] = endpointSpecFrom(v, `NetworkingConfig.EndpointsConfig.${name}`);
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Before API 1.44 a container is created on one network: dockerd (20.10, and
 * the API of that time) refuses a create body with more than one endpoint,
 * naming them (400). From 1.44 it connects the container to each.
 */
export function checkEndpointCount(body: unknown, version: string): void {
  if (!versionLess(version, '1.44') || !isObj(body)) return;
  const nc = body['NetworkingConfig'];
  if (!isObj(nc) || !isObj(nc['EndpointsConfig'])) return;
  const names = Object.keys(nc['EndpointsConfig']);
  if (names.length > 1) throw invalidArgument(`Container cannot be connected to network endpoints: ${names.join(', ')}`);
}
