// cli: `berth volume create|ls|inspect|rm|prune|update` with docker's output, prompts and errors.
import { confirm } from '../confirm.ts';
import { inspectEach, inspectTemplate, printInspected } from '../inspect-output.ts';
import { FormatError, renderList, humanSize, TemplateObject, ExitError, describeError, getClient, out } from '../../cli-kit/index.ts';
import { parseFilters } from './filters.ts';
import { clusterVolumeSpec, type ClusterVolumeFlags } from '../cluster-volume.ts';

interface VolumeJson {
  readonly Name: string;
  readonly Driver: string;
  readonly Mountpoint: string;
  readonly CreatedAt?: string;
  readonly Labels?: Readonly<Record<string, string>> | null;
  readonly Options?: Readonly<Record<string, string>> | null;
  readonly Scope: string;
  readonly UsageData?: { readonly Size: number; readonly RefCount: number } | null;
  readonly ClusterVolume?: { readonly Spec?: { readonly Group?: string; readonly Availability?: string }; readonly PublishStatus?: readonly unknown[] | null; readonly Info?: { readonly VolumeID?: string } | null } | null;
}

const volumeHeaders: Readonly<Record<string, string>> = {
  Name: 'VOLUME NAME', Driver: 'DRIVER', Scope: 'SCOPE', Mountpoint: 'MOUNTPOINT', Labels: 'LABELS', Links: 'LINKS', Size: 'SIZE',
  Group: 'GROUP', Availability: 'AVAILABILITY', Status: 'STATUS',
};

function labelsText(labels: Readonly<Record<string, string>> | null | undefined): string {
  return Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
}

/** docker's cluster volume STATUS column. */
function clusterStatus(v: VolumeJson): string {
  const c = v.ClusterVolume;
  if (!c) return 'N/A';
  if (!c.Info?.VolumeID) return 'pending creation';
  const n = (c.PublishStatus ?? []).length;
  return n === 0 ? 'created' : n === 1 ? 'in use (1 node)' : `in use (${n} nodes)`;
}

function volumeContext(v: VolumeJson): TemplateObject {
  const fields = {
    Name: () => v.Name,
    Driver: () => v.Driver,
    Scope: () => v.Scope,
    Mountpoint: () => v.Mountpoint,
    Labels: () => labelsText(v.Labels),
    Label: (name: unknown) => v.Labels?.[String(name)] ?? '',
    Links: () => (v.UsageData ? String(v.UsageData.RefCount) : 'N/A'),
    Size: () => (v.UsageData && v.UsageData.Size >= 0 ? humanSize(v.UsageData.Size) : 'N/A'),
    Group: () => (v.ClusterVolume ? v.ClusterVolume.Spec?.Group ?? '' : 'N/A'),
    Availability: () => (v.ClusterVolume ? v.ClusterVolume.Spec?.Availability ?? '' : 'N/A'),
    Status: () => clusterStatus(v),
  };
  return new TemplateObject('*formatter.volumeContext', fields as Record<string, (...a: unknown[]) => unknown>);
}

function parseKeyValues(values: readonly string[]): Record<string, string> {
  const outMap: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    outMap[i < 0 ? v : v.slice(0, i)] = i < 0 ? '' : v.slice(i + 1);
  }
  return outMap;
}

export async function volumeCreateCommand(name: string | undefined, opts: ClusterVolumeFlags & { driver?: string; label?: string[]; opt?: string[]; name?: string }): Promise<void> {
  if (name !== undefined && opts.name !== undefined && name !== opts.name) {
    throw new ExitError(1, `conflicting options: cannot specify a volume-name through both --name and as a positional arg`);
  }
  let cluster: Record<string, unknown> | undefined;
  try {
    cluster = clusterVolumeSpec(opts);
  } catch (e) {
    throw new ExitError(125, e instanceof Error ? e.message : String(e));
  }
  const client = await getClient();
  const volName = name ?? opts.name;
  try {
    const v = await client.json<VolumeJson>('POST', '/volumes/create', {
      body: {
        ...(volName ? { Name: volName } : {}),
        Driver: opts.driver ?? 'local',
        DriverOpts: parseKeyValues(opts.opt ?? []),
        Labels: parseKeyValues(opts.label ?? []),
        ...(cluster ? { ClusterVolumeSpec: cluster } : {}),
      },
    });
    out(`${v.Name}\n`);
  } catch (e) {
    throw new ExitError(1, describeError(e));
  }
}

export async function volumeLsCommand(opts: { quiet?: boolean; filter?: string[]; format?: string; cluster?: boolean }): Promise<void> {
  const client = await getClient();
  const filters = parseFilters(opts.filter ?? []);
  let list: { Volumes?: VolumeJson[] | null };
  try {
    list = await client.json('GET', '/volumes', { query: Object.keys(filters).length > 0 ? { filters: JSON.stringify(filters) } : {} });
  } catch (e) {
    throw new ExitError(1, describeError(e));
  }
  let vols = [...(list.Volumes ?? [])].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  // --cluster: only cluster (CSI) volumes, in docker's cluster table
  if (opts.cluster) vols = vols.filter((x) => x.ClusterVolume);
  if (opts.quiet) {
    out(vols.map((v) => `${v.Name}\n`).join(''));
    return;
  }
  try {
    const defaultTable = opts.cluster ? '{{.Name}}\t{{.Group}}\t{{.Driver}}\t{{.Availability}}\t{{.Status}}' : '{{.Driver}}\t{{.Name}}';
    out(renderList(vols.map(volumeContext), { format: opts.format ?? '', defaultTable, headers: volumeHeaders }));
  } catch (e) {
    if (e instanceof FormatError) throw new ExitError(1, e.message);
    throw e;
  }
}

export async function volumeInspectCommand(names: string[], opts: { format?: string }): Promise<void> {
  const tmpl = inspectTemplate(opts.format);
  const client = await getClient();
  const { found, errors } = await inspectEach(names, (name) => client.json('GET', `/volumes/${encodeURIComponent(name)}`));
  printInspected(found, errors, tmpl);
}

/**
 * `volume update`: as docker's, only a cluster volume's availability can
 * change; the spec is read back, changed and sent with the version it had.
 */
export async function volumeUpdateCommand(name: string, opts: { availability?: string }): Promise<void> {
  const client = await getClient();
  try {
    const vol = await client.json<{ ClusterVolume?: { ID: string; Version?: { Index?: number }; Spec?: Record<string, unknown> } | null }>('GET', `/volumes/${encodeURIComponent(name)}`);
    const cluster = vol.ClusterVolume;
    if (!cluster) throw new ExitError(1, 'Can only update cluster volumes');
    const spec = { ...cluster.Spec, ...(opts.availability !== undefined ? { Availability: opts.availability } : {}) };
    await client.json('PUT', `/volumes/${encodeURIComponent(cluster.ID)}`, { query: { version: String(cluster.Version?.Index ?? 0) }, body: { Spec: spec } });
  } catch (e) {
    if (e instanceof ExitError) throw e;
    throw new ExitError(1, describeError(e));
  }
}

export async function volumeRmCommand(names: string[], opts: { force?: boolean }): Promise<void> {
  const client = await getClient();
  const errors: string[] = [];
  for (const n of names) {
    try {
      await client.json('DELETE', `/volumes/${encodeURIComponent(n)}`, { query: opts.force ? { force: '1' } : {} });
      out(`${n}\n`);
    } catch (e) {
      errors.push(describeError(e));
    }
  }
  if (errors.length > 0) throw new ExitError(1, errors.join('\n'));
}


export async function volumePruneCommand(opts: { all?: boolean; force?: boolean; filter?: string[] }): Promise<void> {
  const filters = parseFilters(opts.filter ?? []);
  if (opts.all) (filters['all'] ??= {})['true'] = true;
  const what = opts.all ? 'all local volumes' : 'anonymous local volumes';
  if (!opts.force && !(await confirm(`WARNING! This will remove ${what} not used by at least one container.\nAre you sure you want to continue? [y/N] `))) {
    throw new ExitError(0);
  }
  const client = await getClient();
  let r: { VolumesDeleted?: string[] | null; SpaceReclaimed?: number };
  try {
    r = await client.json('POST', '/volumes/prune', { query: Object.keys(filters).length > 0 ? { filters: JSON.stringify(filters) } : {} });
  } catch (e) {
    throw new ExitError(1, describeError(e));
  }
  let text = '';
  const deleted = r.VolumesDeleted ?? [];
  if (deleted.length > 0) text += `Deleted Volumes:\n${deleted.map((n) => `${n}\n`).join('')}\n`;
  text += `Total reclaimed space: ${humanSize(r.SpaceReclaimed ?? 0)}\n`;
  out(text);
}
