// docker ps filters (name, id, status, label, ancestor, exited, before, since,
// health, network, volume, publish, expose, is-task) applied to the engine's
// containers, as dockerd's daemon/list.go reads them. Values of one key are
// OR-ed, keys AND-ed.
import { invalidArgument } from '../../core/errors.ts';
import { containerStatuses, type Container } from '../../core/types.ts';
import type { Filters } from '../types.ts';
import { networksOf } from './network.ts';

const knownKeys = new Set(['name', 'id', 'status', 'label', 'ancestor', 'exited', 'before', 'since', 'health', 'network', 'volume', 'publish', 'expose', 'is-task']);

export function validateContainerFilters(filters: Filters): void {
  for (const [key, values] of Object.entries(filters)) {
    if (!knownKeys.has(key)) throw invalidArgument(`Invalid filter '${key}'`);
    if (key === 'status') {
      for (const v of values) if (!(containerStatuses as readonly string[]).includes(v)) throw invalidArgument(`Invalid filter 'status=${v}'`);
    }
    if (key === 'health') {
      for (const v of values) if (!['starting', 'healthy', 'unhealthy', 'none'].includes(v)) throw invalidArgument(`Unrecognised filter value for health: ${v}`);
    }
    if (key === 'exited') {
      for (const v of values) if (!/^-?\d+$/.test(v)) throw invalidArgument(`Invalid filter 'exited=${v}'`);
    }
    if (key === 'is-task' && !(values.length === 1 && (values[0] === 'true' || values[0] === 'false'))) {
      throw invalidArgument(`Invalid filter 'is-task=[${values.join(' ')}]'`);
    }
    if (key === 'publish' || key === 'expose') for (const v of values) portsOfFilter(key, v);
  }
}

/** docker matches `name` filters as regular expressions against "/name". */
function regexMatch(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern).test(value);
  } catch {
    return value.includes(pattern);
  }
}

export function labelMatches(labels: Readonly<Record<string, string>>, want: string): boolean {
  const i = want.indexOf('=');
  if (i < 0) return Object.hasOwn(labels, want);
  return labels[want.slice(0, i)] === want.slice(i + 1);
}

/**
 * The ports a `publish`/`expose` value names (`80`, `80/udp`, `8000-8002/tcp`),
 * as `port/proto` keys; InvalidArgument as dockerd for a bad one.
 */
export function portsOfFilter(key: string, value: string): string[] {
  if (value.includes(':')) throw invalidArgument(`filter for '${key}' should not contain ':': ${value}`);
  const slash = value.indexOf('/');
  const range = slash < 0 ? value : value.slice(0, slash);
  const proto = slash < 0 ? 'tcp' : value.slice(slash + 1);
  const bad = (why: string) => invalidArgument(`error while looking up for ${key} ${range}: ${why}`);
  if (range === '') throw bad('Empty string specified for ports.');
  const [first = '', last = first] = range.split('-', 2);
  const num = (t: string) => {
    if (!/^\d+$/.test(t)) throw bad(`strconv.ParseUint: parsing ${JSON.stringify(t)}: invalid syntax`);
    if (Number(t) > 65535) throw bad(`strconv.ParseUint: parsing ${JSON.stringify(t)}: value out of range`);
    return Number(t);
  };
  const start = num(first);
  const end = num(last);
  if (end < start) throw bad(`Invalid range specified for the Port: ${range}`);
  const out: string[] = [];
  for (let p = start; p <= end; p++) out.push(`${p}/${proto.toLowerCase()}`);
  return out;
}

const portKey = (p: string) => (p.includes('/') ? p : `${p}/tcp`);

/** docker's `volume` filter: a mount's destination, or its volume name (a bind's source). */
function mountsVolume(c: Container, value: string): boolean {
  return (c.mountPoints ?? []).some((m) => m.destination === value || (m.name ? m.name === value : m.source === value));
}

/** docker's `network` filter: the name of a network the container is on, or a prefix of the id of one it is attached to now. */
function onNetwork(c: Container, value: string): boolean {
  const names = networksOf(c.spec);
  const mode = c.spec.host.networkMode;
  if (names.length === 0 && c.spec.modeNetworkDisconnected !== true) names.push(mode === 'default' ? 'bridge' : mode);
  return names.some((n) => n === value || (c.network?.endpoints[n]?.networkId.startsWith(value) ?? false));
}

/**
 * What dockerd's `publish` and `expose` filters read, from inspect's
 * NetworkSettings.Ports (so only while the container runs): `publish`, the
 * host ports bound (`18080/tcp`); `expose`, the container's ports, exposed or
 * published.
 */
function livePorts(c: Container, published: boolean): string[] {
  if (!c.network) return [];
  if (published) {
    return Object.entries(c.network.ports).flatMap(([k, bindings]) => {
      const proto = portKey(k).split('/')[1] ?? 'tcp';
      return bindings.map((b) => `${b.hostPort}/${proto}`);
    });
  }
  return [...new Set([...c.spec.exposedPorts.map(portKey), ...Object.keys(c.network.ports).map(portKey)])];
}

export interface FilterContext {
  /** Image ids the `ancestor` values resolve to (unresolvable values match nothing). */
  readonly ancestorIds: ReadonlySet<string>;
  /** Created times of the `before` / `since` containers. */
  readonly before?: string;
  readonly since?: string;
}

export function containerMatches(c: Container, filters: Filters, ctx: FilterContext): boolean {
  const any = (key: string, test: (v: string) => boolean) => {
    const values = filters[key];
    return values === undefined || values.length === 0 || values.some(test);
  };
  return (
    any('name', (v) => regexMatch(v, `/${c.name}`)) &&
    any('id', (v) => c.id.startsWith(v)) &&
    any('status', (v) => c.state.status === v) &&
    any('exited', (v) => c.state.status === 'exited' && c.state.exitCode === Number(v)) &&
    any('health', (v) => (c.state.health?.status ?? 'none') === v) &&
    any('ancestor', (v) => ctx.ancestorIds.has(c.imageId) || c.spec.image === v) &&
    any('volume', (v) => mountsVolume(c, v)) &&
    any('network', (v) => onNetwork(c, v)) &&
    any('publish', (v) => portsOfFilter('publish', v).some((p) => livePorts(c, true).includes(p))) &&
    any('expose', (v) => portsOfFilter('expose', v).some((p) => livePorts(c, false).includes(p))) &&
    any('is-task', (v) => v === 'false') &&
    (filters['label'] ?? []).every((v) => labelMatches(c.spec.labels, v)) &&
    (ctx.before === undefined || c.created < ctx.before) &&
    (ctx.since === undefined || c.created > ctx.since)
  );
}
