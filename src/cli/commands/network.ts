// cli: `berth network create|ls|inspect|rm|connect|disconnect|prune` and
// `berth port`, with docker's output, prompts and errors.
import { networkCreateBody, type NetworkCreateFlags } from '../network-create-body.ts';
import { confirm } from '../confirm.ts';
import { inspectEach, inspectTemplate, printInspected } from '../inspect-output.ts';
import { FormatError, renderList, TemplateObject, goParsedTimeString, ExitError, describeError, err, getClient, out } from '../../cli-kit/index.ts';
import { isNotFound } from '../../core/errors.ts';
import { parseFilters } from './filters.ts';

interface NetworkJson {
  readonly Id: string;
  readonly Name: string;
  readonly Driver: string;
  readonly Scope: string;
  readonly Created?: string;
  readonly Internal?: boolean;
  readonly EnableIPv4?: boolean;
  readonly EnableIPv6?: boolean;
  readonly Labels?: Readonly<Record<string, string>> | null;
}

const networkHeaders: Readonly<Record<string, string>> = {
  ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', IPv4: 'IPV4', IPv6: 'IPV6', Internal: 'INTERNAL', Labels: 'LABELS', CreatedAt: 'CREATED AT',
};

function networkContext(n: NetworkJson, trunc: boolean): TemplateObject {
  const fields = {
    ID: () => (trunc ? n.Id.slice(0, 12) : n.Id),
    Name: () => n.Name,
    Driver: () => n.Driver,
    Scope: () => n.Scope,
    IPv4: () => String(n.EnableIPv4 ?? false),
    IPv6: () => String(n.EnableIPv6 ?? false),
    Internal: () => String(n.Internal ?? false),
    Labels: () => Object.entries(n.Labels ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
    Label: (name: unknown) => n.Labels?.[String(name)] ?? '',
    // docker prints the time.Time the JSON decoded to (its String form)
    CreatedAt: () => (n.Created === undefined ? '' : goParsedTimeString(n.Created)),
  };
  return new TemplateObject('*formatter.networkContext', fields as Record<string, (...a: unknown[]) => unknown>);
}

export async function networkCreateCommand(name: string, opts: NetworkCreateFlags): Promise<void> {
  let body: Record<string, unknown>;
  try {
    body = networkCreateBody(name, opts);
  } catch (e) {
    throw new ExitError(1, e instanceof Error ? e.message : String(e));
  }
  const client = await getClient();
  try {
    const r = await client.json<{ Id: string }>('POST', '/networks/create', { body });
    out(`${r.Id}\n`);
  } catch (e) {
    throw new ExitError(1, describeError(e));
  }
}

export async function networkLsCommand(opts: { quiet?: boolean; filter?: string[]; format?: string; trunc?: boolean }): Promise<void> {
  const client = await getClient();
  const filters = parseFilters(opts.filter ?? []);
  let list: NetworkJson[];
  try {
    list = await client.json('GET', '/networks', { query: Object.keys(filters).length > 0 ? { filters: JSON.stringify(filters) } : {} });
  } catch (e) {
    throw new ExitError(1, describeError(e));
  }
  const trunc = opts.trunc !== false;
  const nets = [...list].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  if (opts.quiet) {
    out(nets.map((x) => `${trunc ? x.Id.slice(0, 12) : x.Id}\n`).join(''));
    return;
  }
  try {
    out(renderList(nets.map((x) => networkContext(x, trunc)), { format: opts.format ?? '', defaultTable: '{{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}', headers: networkHeaders }));
  } catch (e) {
    if (e instanceof FormatError) throw new ExitError(1, e.message);
    throw e;
  }
}

export async function networkInspectCommand(names: string[], opts: { format?: string }): Promise<void> {
  const tmpl = inspectTemplate(opts.format);
  const client = await getClient();
  const { found, errors } = await inspectEach(names, (name) => client.json('GET', `/networks/${encodeURIComponent(name)}`));
  printInspected(found, errors, tmpl);
}

/** docker's network rm: each failure on stderr as it happens, then "exit status 1" (its StatusError). */
export async function networkRmCommand(names: string[], opts: { force?: boolean }): Promise<void> {
  const client = await getClient();
  let failed = false;
  for (const name of names) {
    try {
      await client.json('DELETE', `/networks/${encodeURIComponent(name)}`);
      out(`${name}\n`);
    } catch (e) {
      if (opts.force && isNotFound(e)) continue;
      err(`${describeError(e)}\n`);
      failed = true;
    }
  }
  if (failed) throw new ExitError(1, 'exit status 1');
}

export async function networkConnectCommand(network: string, container: string, opts: { alias?: string[]; ip?: string; ip6?: string; link?: string[]; linkLocalIp?: string[]; driverOpt?: string[]; gwPriority?: string }): Promise<void> {
  const client = await getClient();
  const aliases = opts.alias ?? [];
  const ipam = { ...(opts.ip ? { IPv4Address: opts.ip } : {}), ...(opts.ip6 ? { IPv6Address: opts.ip6 } : {}), ...(opts.linkLocalIp?.length ? { LinkLocalIPs: opts.linkLocalIp } : {}) };
  const driverOpts = Object.fromEntries((opts.driverOpt ?? []).map((o) => { const i = o.indexOf('='); return i < 0 ? [o, ''] : [o.slice(0, i), o.slice(i + 1)]; }));
  if (opts.gwPriority !== undefined && !/^[+-]?\d+$/.test(opts.gwPriority)) throw new ExitError(125, `invalid argument "${opts.gwPriority}" for "--gw-priority" flag: strconv.ParseInt: parsing "${opts.gwPriority}": invalid syntax`);
  try {
    await client.json('POST', `/networks/${encodeURIComponent(network)}/connect`, {
      body: {
        Container: container,
        EndpointConfig: {
          ...(aliases.length > 0 ? { Aliases: aliases } : {}),
          ...(Object.keys(ipam).length > 0 ? { IPAMConfig: ipam } : {}),
          ...(opts.link?.length ? { Links: opts.link } : {}),
          ...(Object.keys(driverOpts).length > 0 ? { DriverOpts: driverOpts } : {}),
          ...(opts.gwPriority !== undefined ? { GwPriority: Number(opts.gwPriority) } : {}),
        },
      },
    });
  } catch (e) {
    throw new ExitError(1, describeError(e));
  }
}

export async function networkDisconnectCommand(network: string, container: string, opts: { force?: boolean }): Promise<void> {
  const client = await getClient();
  try {
    await client.json('POST', `/networks/${encodeURIComponent(network)}/disconnect`, { body: { Container: container, Force: !!opts.force } });
  } catch (e) {
    throw new ExitError(1, describeError(e));
  }
}


export async function networkPruneCommand(opts: { force?: boolean; filter?: string[] }): Promise<void> {
  if (!opts.force && !(await confirm('WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] '))) {
    throw new ExitError(0);
  }
  const filters = parseFilters(opts.filter ?? []);
  const client = await getClient();
  let r: { NetworksDeleted?: string[] | null };
  try {
    r = await client.json('POST', '/networks/prune', { query: Object.keys(filters).length > 0 ? { filters: JSON.stringify(filters) } : {} });
  } catch (e) {
    throw new ExitError(1, describeError(e));
  }
  const deleted = r.NetworksDeleted ?? [];
  if (deleted.length > 0) out(`Deleted Networks:\n${deleted.map((x) => `${x}\n`).join('')}\n`);
}

/** docker port: every mapping (`80/tcp -> 0.0.0.0:8080`), or the host addresses of one private port. */
export async function portCommand(container: string, port: string | undefined): Promise<void> {
  const client = await getClient();
  let c: { Name?: string; NetworkSettings?: { Ports?: Record<string, { HostIp: string; HostPort: string }[] | null> | null } };
  try {
    c = await client.json('GET', `/containers/${encodeURIComponent(container)}/json`);
  } catch (e) {
    throw new ExitError(1, describeError(e));
  }
  const ports = c.NetworkSettings?.Ports ?? {};
  if (port !== undefined) {
    const key = port.includes('/') ? port : `${port}/tcp`;
    const bindings = ports[key];
    if (!bindings || bindings.length === 0) throw new ExitError(1, `Error: No public port '${key}' published for ${container}`);
    out(bindings.map((b) => `${b.HostIp}:${b.HostPort}\n`).join(''));
    return;
  }
  const lines: string[] = [];
  const keys = Object.keys(ports).sort((a, b) => Number(a.split('/')[0]) - Number(b.split('/')[0]) || (a < b ? -1 : 1));
  for (const k of keys) for (const b of ports[k] ?? []) lines.push(`${k} -> ${b.HostIp}:${b.HostPort}\n`);
  out(lines.join(''));
}
