// cli: docker's `--network` (and its hidden alias `--net`) on run and create,
// as the docker CLI's opts.NetworkOpt and parseNetworkOpts read it: the flag
// repeats (one endpoint per network), takes a name or the csv syntax
// `name=…,alias=…,ip=…,ip6=…,mac-address=…,link-local-ip=…,driver-opt=k=v,gw-priority=n`
// (keys and values lower-cased), and the first network also takes
// `--network-alias`, `--link` (an endpoint link on a user-defined network),
// `--ip`, `--ip6` and `--link-local-ip`, refusing them beside the same option
// in the csv form. User-defined and other modes cannot be mixed.
import { goQuote } from '../cli-kit/index.ts';
import { FlagError } from './flag-error.ts';

export interface NetworkFlags {
  network?: string[];
  /** The flag each `network` value came from (`--network` or `--net`), for pflag's error text. */
  networkFlag?: string[];
  networkAlias?: string[];
  link?: string[];
  ip?: string;
  ip6?: string;
  linkLocalIp?: string[];
}

/** One `--network` value: the docker CLI's NetworkAttachmentOpts. */
export interface Attachment {
  target: string;
  aliases: string[];
  links: string[];
  ipv4?: string;
  ipv6?: string;
  mac?: string;
  linkLocalIps: string[];
  driverOpts?: Record<string, string>;
  gwPriority?: number;
}

export type EndpointBody = Record<string, unknown>;

/** The create body's network parts: HostConfig.NetworkMode and, when there is one, NetworkingConfig.EndpointsConfig. */
export interface NetworkParts {
  readonly mode: string;
  readonly endpoints?: Record<string, EndpointBody>;
}

const invalid = (value: string, why: string, flag: string) => new FlagError(`invalid argument ${goQuote(value)} for ${goQuote(flag)} flag: ${why}`);

/** Go's encoding/csv reading one record (no lazy quotes, no space trimming). */
function csvFields(value: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (value[i] === '"') {
      i++;
      for (;;) {
        if (i >= value.length) throw new Error(`parse error on line 1, column ${i + 1}: extraneous or missing " in quoted-field`);
        if (value[i] === '"') {
          if (value[i + 1] === '"') { field += '"'; i += 2; continue; }
          if (i + 1 < value.length && value[i + 1] !== ',') throw new Error(`parse error on line 1, column ${i + 1}: extraneous or missing " in quoted-field`);
          i++;
          break;
        }
        field += value[i++];
      }
    } else {
      while (i < value.length && value[i] !== ',') {
        if (value[i] === '"') throw new Error(`parse error on line 1, column ${i + 1}: bare " in non-quoted-field`);
        field += value[i++];
      }
    }
    fields.push(field);
    if (i >= value.length) return fields;
    i++; // the comma
  }
}

/** Go's strconv.Atoi on a 64-bit platform: the error's reason, or the number. */
function atoi(text: string): number | string {
  if (!/^[+-]?\d+$/.test(text)) return 'invalid syntax';
  const n = BigInt(text);
  if (n > 9223372036854775807n || n < -9223372036854775808n) return 'value out of range';
  return Number(n);
}

/** One `--network` (or `--net`) value: a plain name, or the csv syntax when it holds a `key=value`. */
export function parseNetworkValue(value: string, flag = '--network'): Attachment {
  const att: Attachment = { target: value, aliases: [], links: [], linkLocalIps: [] };
  if (!/\w+=\w+/.test(value)) return att;
  att.target = '';
  let fields: string[];
  try {
    fields = csvFields(value);
  } catch (err) {
    throw invalid(value, (err as Error).message, flag);
  }
  for (const field of fields) {
    const lower = field.toLowerCase();
    const eq = lower.indexOf('=');
    if (eq <= 0) throw invalid(value, `invalid field ${field}`, flag);
    const key = lower.slice(0, eq).trim();
    const val = lower.slice(eq + 1).trim();
    switch (key) {
      case 'name': att.target = val; break;
      case 'alias': att.aliases.push(val); break;
      case 'ip': att.ipv4 = val; break;
      case 'ip6': att.ipv6 = val; break;
      case 'mac-address': att.mac = val; break;
      case 'link-local-ip': att.linkLocalIps.push(val); break;
      case 'driver-opt': {
        const at = val.indexOf('=');
        if (at < 0) throw invalid(value, 'invalid key value pair format in driver options', flag);
        att.driverOpts = { ...att.driverOpts, [val.slice(0, at).trim()]: val.slice(at + 1).trim() };
        break;
      }
      case 'gw-priority': {
        const n = atoi(val);
        if (typeof n === 'string') throw invalid(value, `invalid gw-priority (${val}): ${n}`, flag);
        att.gwPriority = n;
        break;
      }
      default: throw invalid(value, `invalid field key ${key}`, flag);
    }
  }
  if (att.target === '') throw invalid(value, 'network name/id is not specified', flag);
  return att;
}

/** Every `--network`/`--net` value, in order, each refused under the name it was given with. */
export function parseNetworkValues(flags: NetworkFlags): Attachment[] {
  return (flags.network ?? []).map((v, i) => parseNetworkValue(v, flags.networkFlag?.[i] ?? '--network'));
}

/** container.NetworkMode.IsUserDefined on Linux. */
export function isUserDefined(mode: string): boolean {
  return !['default', 'bridge', 'host', 'none'].includes(mode) && !mode.startsWith('container:');
}

/** Go's net.ParseMAC: 6, 8 or 20 bytes, colon- or hyphen-separated pairs or dot-separated quads. */
function validMac(s: string): boolean {
  const pairs = /^[0-9a-f]{2}(?:([:-])[0-9a-f]{2})*$/i.exec(s);
  if (pairs) return [6, 8, 20].includes(s.split(pairs[1] ?? ':').length) && (pairs[1] !== undefined);
  const quads = /^[0-9a-f]{4}(?:\.[0-9a-f]{4})*$/i.test(s) ? s.split('.').length : 0;
  return [3, 4, 10].includes(quads);
}

/** applyContainerOptions: the single-network flags go to the first network, unless its csv form set the same. */
function applyContainerOptions(att: Attachment, flags: NetworkFlags): void {
  const aliases = flags.networkAlias ?? [];
  const links = flags.link ?? [];
  const linkLocal = flags.linkLocalIp ?? [];
  if (att.aliases.length > 0 && aliases.length > 0) throw new FlagError('conflicting options: cannot specify both --network-alias and per-network alias');
  if (att.ipv4 !== undefined && flags.ip !== undefined) throw new FlagError('conflicting options: cannot specify both --ip and per-network IPv4 address');
  if (att.ipv6 !== undefined && flags.ip6 !== undefined) throw new FlagError('conflicting options: cannot specify both --ip6 and per-network IPv6 address');
  if (att.linkLocalIps.length > 0 && linkLocal.length > 0) throw new FlagError('conflicting options: cannot specify both --link-local-ip and per-network link-local IP addresses');
  if (aliases.length > 0) att.aliases = [...aliases];
  // On a user-defined network --link is an endpoint option (a name only the linking container resolves).
  if (isUserDefined(att.target) && links.length > 0) att.links = [...links];
  if (flags.ip !== undefined) att.ipv4 = flags.ip;
  if (flags.ip6 !== undefined) att.ipv6 = flags.ip6;
  if (linkLocal.length > 0) att.linkLocalIps = [...linkLocal];
}

/** parseNetworkAttachmentOpt: the endpoint settings of one attachment, nothing for an empty one. */
function endpointOf(att: Attachment): EndpointBody {
  if (att.target.trim() === '') throw new FlagError('no name set for network');
  if (!isUserDefined(att.target)) {
    if (att.aliases.length > 0) throw new FlagError('network-scoped aliases are only supported for user-defined networks');
    if (att.links.length > 0) throw new FlagError('links are only supported for user-defined networks');
  }
  const ep: EndpointBody = {};
  if (att.aliases.length > 0) ep['Aliases'] = [...att.aliases];
  if (att.driverOpts) ep['DriverOpts'] = att.driverOpts;
  if (att.links.length > 0) ep['Links'] = [...att.links];
  const ipam: Record<string, unknown> = {};
  if (att.ipv4 !== undefined) ipam['IPv4Address'] = att.ipv4;
  if (att.ipv6 !== undefined) ipam['IPv6Address'] = att.ipv6;
  if (att.linkLocalIps.length > 0) ipam['LinkLocalIPs'] = [...att.linkLocalIps];
  if (Object.keys(ipam).length > 0) ep['IPAMConfig'] = ipam;
  if (att.mac !== undefined) {
    if (!validMac(att.mac.trim())) throw new FlagError(`${att.mac} is not a valid mac address`);
    ep['MacAddress'] = att.mac;
  }
  if (att.gwPriority !== undefined && att.gwPriority !== 0) ep['GwPriority'] = att.gwPriority;
  return ep;
}

/**
 * The network parts of a create body from `--network`/`--net` (in the order
 * given; `parsed` are their values already read by parseNetworkValue, as pflag
 * reads them before any other check) and the single-network flags. An
 * endpoint with nothing in it is left out when it is the only one (the daemon
 * makes it all the same).
 */
export function networkParts(flags: NetworkFlags, parsed: readonly Attachment[] = parseNetworkValues(flags)): NetworkParts {
  const attachments = parsed.length > 0 ? parsed.map((a) => ({ ...a })) : [{ target: 'default', aliases: [], links: [], linkLocalIps: [] } as Attachment];
  const endpoints: Record<string, EndpointBody> = {};
  let userDefined = false;
  let other = false;
  attachments.forEach((att, i) => {
    if (isUserDefined(att.target)) userDefined = true;
    else other = true;
    if (i === 0) applyContainerOptions(att, flags);
    const ep = endpointOf(att);
    if (Object.hasOwn(endpoints, att.target)) throw new FlagError(`network ${goQuote(att.target)} is specified multiple times`);
    if (attachments.length === 1 && Object.keys(ep).length === 0) return;
    endpoints[att.target] = ep;
  });
  if (userDefined && other) throw new FlagError('conflicting options: cannot attach both user-defined and non-user-defined network-modes');
  const mode = attachments[0]?.target ?? 'default';
  return Object.keys(endpoints).length > 0 ? { mode, endpoints } : { mode };
}
