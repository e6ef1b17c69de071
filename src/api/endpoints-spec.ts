// NetworkingConfig.EndpointsConfig (create body) and the connect body's
// EndpointConfig → berth's EndpointSpec (aliases and a fixed IPv4 address).
import { invalidArgument } from '../core/errors.ts';
import type { EndpointSpec } from '../core/types.ts';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function endpointSpecFrom(v: unknown, where: string): EndpointSpec {
  if (v === undefined || v === null) return { aliases: [] };
  if (!isObj(v)) throw invalidArgument(`invalid ${where}: expected an object`);
  const aliases = v['Aliases'];
  if (aliases !== undefined && aliases !== null && (!Array.isArray(aliases) || !aliases.every((a) => typeof a === 'string'))) throw invalidArgument(`invalid ${where}.Aliases: expected a list of strings`);
  const ipam = v['IPAMConfig'];
  const ip = isObj(ipam) && typeof ipam['IPv4Address'] === 'string' && ipam['IPv4Address'] !== '' ? ipam['IPv4Address'] : undefined;
  return { aliases: (aliases as string[] | null | undefined) ?? [], ...(ip !== undefined ? { ipv4Address: ip } : {}) };
}

/** The create body's NetworkingConfig.EndpointsConfig by network name (undefined when absent or empty). */
export function endpointsFromCreateBody(body: Record<string, unknown>): Record<string, EndpointSpec> | undefined {
  const nc = body['NetworkingConfig'];
  if (!isObj(nc) || !isObj(nc['EndpointsConfig'])) return undefined;
  const out: Record<string, EndpointSpec> = {};
  for (const [name, v] of Object.entries(nc['EndpointsConfig'])) out[name] = endpointSpecFrom(v, `NetworkingConfig.EndpointsConfig.${name}`);
  return Object.keys(out).length > 0 ? out : undefined;
}
