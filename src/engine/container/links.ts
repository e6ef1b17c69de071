// Legacy links (`--link name:alias`, HostConfig.Links) as dockerd keeps them on
// the default bridge: checked at create, resolved at each start into the
// environment variables (ALIAS_PORT_80_TCP_ADDR, ALIAS_NAME, ALIAS_ENV_X…) and
// the /etc/hosts lines docker's links package and libnetwork write.
import { internal, invalidArgument, isNotFound } from '../../core/errors.ts';
import type { Container, ContainerLink, ContainerSpec } from '../../core/types.ts';

/** Network modes on which links are kept: docker drops them on user-defined networks (they become aliases there). */
function keepsLinks(networkMode: string): boolean {
  return networkMode === 'default' || networkMode === 'bridge' || networkMode === 'none';
}

/**
 * Checks a create request's links against the containers they name (docker's
 * registerLinks): the child must exist and not use the host's network. Returns
 * the spec with the links docker keeps (each under the child's own name).
 */
export function checkLinks(spec: ContainerSpec, find: (idOrName: string) => Container): ContainerSpec {
  const links = spec.host.links ?? [];
  if (links.length === 0) return spec;
  if (spec.host.networkMode === 'host') throw invalidArgument("conflicting options: host type networking can't be used with links. This would result in undefined behavior");
  if (spec.host.networkMode.startsWith('container:')) throw invalidArgument("conflicting options: container type network can't be used with links. This would result in undefined behavior");
  // On a user-defined network dockerd neither checks nor keeps them (registerLinks returns early).
  if (!keepsLinks(spec.host.networkMode)) {
    const { links: _dropped, ...rest } = spec.host;
    return { ...spec, host: rest };
  }
  const kept: ContainerLink[] = [];
  for (const l of links) {
    let child: Container;
    try {
      child = find(l.name);
    } catch (err) {
      if (isNotFound(err)) throw invalidArgument(`could not get container for ${l.name}: No such container: ${l.name}`);
      throw err;
    }
    if (child.spec.host.networkMode === 'host') throw invalidArgument("conflicting options: host type networking can't be used with links. This would result in undefined behavior");
    kept.push({ name: child.name, alias: l.alias });
  }
  const { links: _given, ...host } = spec.host;
  return { ...spec, host: { ...host, links: kept } };
}

export interface ResolvedLinks {
  /** Environment variables, link after link, before the container's own. */
  readonly env: readonly string[];
  /** Extra /etc/hosts entries in `names:ip` form (as --add-host), after the user's. */
  readonly hosts: readonly string[];
}

/** Resolves a starting container's links; Internal `Cannot link to a non running container: …` as docker. */
export function resolveLinks(c: Container, find: (idOrName: string) => Container): ResolvedLinks {
  const env: string[] = [];
  const hosts: string[] = [];
  for (const l of c.spec.host.links ?? []) {
    let child: Container | undefined;
    try {
      child = find(l.name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (!child || child.state.status !== 'running') throw internal(`Cannot link to a non running container: /${l.name} AS /${c.name}/${l.alias}`);
    const ip = child.network?.endpoints['bridge']?.ipAddress ?? '';
    env.push(...linkEnv({ alias: l.alias, parent: c.name, ip, exposedPorts: child.spec.exposedPorts, env: child.env }));
    const names = [l.alias, child.hostname, ...(l.alias !== child.name ? [child.name] : [])].join(' ');
    hosts.push(`${names}:${ip}`);
  }
  return { env, hosts };
}

interface Port {
  readonly port: number;
  readonly proto: string;
}

/** `80/tcp` → port and protocol (`80` is tcp); undefined for a malformed one. */
function parsePort(key: string): Port | undefined {
  const [p = '', proto = 'tcp'] = key.split('/');
  return /^\d+$/.test(p) ? { port: Number(p), proto: proto.toLowerCase() } : undefined;
}

/**
 * docker's links.Link.ToEnv: ALIAS_PORT (the lowest port, tcp first), ranges of
 * three or more contiguous ports as _START/_END, then every port, ALIAS_NAME,
 * and the child's environment except HOME and PATH. Later duplicates replace
 * earlier ones in place, as docker merges them.
 */
export function linkEnv(o: { alias: string; parent: string; ip: string; exposedPorts: readonly string[]; env: readonly string[] }): string[] {
  const alias = o.alias.toUpperCase().replaceAll('-', '_');
  const ports = o.exposedPorts.flatMap((k) => parsePort(k) ?? []);
  ports.sort((a, b) => a.port - b.port || (a.proto === 'tcp' ? -1 : b.proto === 'tcp' ? 1 : 0));
  const out: string[] = [];
  const first = ports[0];
  if (first) out.push(`${alias}_PORT=${first.proto}://${o.ip}:${first.port}`);
  for (let i = 0; i < ports.length; ) {
    const j = nextContiguous(ports, i);
    const p = ports[i]!;
    if (j > i + 1) {
      const q = ports[j]!;
      const pre = `${alias}_PORT_${p.port}_${p.proto.toUpperCase()}`;
      out.push(`${pre}_START=${p.proto}://${o.ip}:${p.port}`, `${pre}_ADDR=${o.ip}`, `${pre}_PROTO=${p.proto}`, `${pre}_PORT_START=${p.port}`);
      const endPre = `${alias}_PORT_${p.port}_${q.proto.toUpperCase()}`;
      out.push(`${endPre}_END=${q.proto}://${o.ip}:${q.port}`, `${endPre}_PORT_END=${q.port}`);
      i = j + 1;
    } else i++;
  }
  for (const p of ports) {
    const pre = `${alias}_PORT_${p.port}_${p.proto.toUpperCase()}`;
    out.push(`${pre}=${p.proto}://${o.ip}:${p.port}`, `${pre}_ADDR=${o.ip}`, `${pre}_PORT=${p.port}`, `${pre}_PROTO=${p.proto}`);
  }
  out.push(`${alias}_NAME=/${o.parent}/${o.alias}`);
  for (const e of o.env) {
    const eq = e.indexOf('=');
    if (eq < 0) continue;
    const key = e.slice(0, eq);
    if (key === 'HOME' || key === 'PATH') continue;
    out.push(`${alias}_ENV_${key}=${e.slice(eq + 1)}`);
  }
  return replaceOrAppend([], out);
}

/** The last index of the run of contiguous port numbers starting at `index` (docker's nextContiguous). */
function nextContiguous(ports: readonly Port[], index: number): number {
  if (index + 1 === ports.length) return index;
  let value = ports[index]!.port;
  for (let i = index + 1; i < ports.length; i++) {
    if (ports[i]!.port > value + 1) return i - 1;
    value++;
  }
  return ports.length - 1;
}

/** docker's ReplaceOrAppendEnvValues: a later `K=v` replaces an earlier `K=…` where it stands. */
export function replaceOrAppend(base: readonly string[], over: readonly string[]): string[] {
  const out = [...base];
  const index = new Map<string, number>();
  const key = (e: string) => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e);
  out.forEach((e, i) => index.set(key(e), i));
  for (const e of over) {
    const i = index.get(key(e));
    if (i === undefined) {
      index.set(key(e), out.length);
      out.push(e);
    } else out[i] = e;
  }
  return out;
}
