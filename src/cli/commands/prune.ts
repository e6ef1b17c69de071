// cli: `container prune`, `image prune [-a]`, `builder prune [-a]` and `system
// prune [-a] [--volumes]` with docker's prompts (on stdout, as docker writes them), sections and
// "Total reclaimed space:" line.
import { confirm } from '../confirm.ts';
import type { EngineClient } from '../../client/index.ts';
import { humanSize, parseRamBytes, ExitError, describeError, getClient, out } from '../../cli-kit/index.ts';
import { parseFilters } from './filters.ts';

export interface PruneOptions {
  force?: boolean;
  filter?: string[];
  all?: boolean;
  volumes?: boolean;
  keepStorage?: string;
}

const question = 'Are you sure you want to continue? [y/N] ';


type Section = { space: number; text: string };
type Filters = Record<string, Record<string, boolean>>;

function query(filters: Filters): { filters?: string } {
  return Object.keys(filters).length > 0 ? { filters: JSON.stringify(filters) } : {};
}

function section(title: string, lines: readonly string[]): string {
  return lines.length > 0 ? `${title}:\n${lines.map((l) => `${l}\n`).join('')}` : '';
}

async function pruneContainers(client: EngineClient, filters: Filters): Promise<Section> {
  const r = await client.json<{ ContainersDeleted?: string[] | null; SpaceReclaimed?: number }>('POST', '/containers/prune', { query: query(filters) });
  return { space: r.SpaceReclaimed ?? 0, text: section('Deleted Containers', r.ContainersDeleted ?? []) };
}

async function pruneImages(client: EngineClient, filters: Filters, all: boolean): Promise<Section> {
  const f: Filters = { ...filters };
  if (all) f['dangling'] = { false: true };
  const r = await client.json<{ ImagesDeleted?: { Untagged?: string; Deleted?: string }[] | null; SpaceReclaimed?: number }>('POST', '/images/prune', { query: query(f) });
  const lines = (r.ImagesDeleted ?? []).map((x) => (x.Untagged ? `untagged: ${x.Untagged}` : `deleted: ${x.Deleted ?? ''}`));
  return { space: r.SpaceReclaimed ?? 0, text: section('Deleted Images', lines) };
}

async function pruneNetworks(client: EngineClient, filters: Filters): Promise<Section> {
  const r = await client.json<{ NetworksDeleted?: string[] | null }>('POST', '/networks/prune', { query: query(filters) });
  return { space: 0, text: section('Deleted Networks', r.NetworksDeleted ?? []) };
}

async function pruneVolumes(client: EngineClient, filters: Filters): Promise<Section> {
  const r = await client.json<{ VolumesDeleted?: string[] | null; SpaceReclaimed?: number }>('POST', '/volumes/prune', { query: query(filters) });
  return { space: r.SpaceReclaimed ?? 0, text: section('Deleted Volumes', r.VolumesDeleted ?? []) };
}

async function pruneBuildCache(client: EngineClient, all: boolean, more: { filters?: Filters; keepStorage?: number } = {}): Promise<Section> {
  const q = { ...(all ? { all: true } : {}), ...(more.filters ? query(more.filters) : {}), ...(more.keepStorage ? { 'keep-storage': String(more.keepStorage) } : {}) };
  const r = await client.json<{ CachesDeleted?: string[] | null; SpaceReclaimed?: number }>('POST', '/build/prune', { query: q });
  return { space: r.SpaceReclaimed ?? 0, text: section('Deleted build cache objects', r.CachesDeleted ?? []) };
}

/** Prints each non-empty section followed by a blank line, then the total (docker's runPrune). */
async function report(steps: readonly (() => Promise<Section>)[]): Promise<void> {
  let total = 0;
  for (const step of steps) {
    let s: Section;
    try {
      s = await step();
    } catch (e) {
      throw new ExitError(1, describeError(e));
    }
    total += s.space;
    if (s.text !== '') out(`${s.text}\n`);
  }
  out(`Total reclaimed space: ${humanSize(total, 4)}\n`);
}

export async function containerPruneCommand(opts: PruneOptions): Promise<void> {
  const filters = parseFilters(opts.filter ?? []) as Filters;
  if (!opts.force && !(await confirm(`WARNING! This will remove all stopped containers.\n${question}`))) return;
  const client = await getClient();
  await report([() => pruneContainers(client, filters)]);
}

export async function imagePruneCommand(opts: PruneOptions): Promise<void> {
  const filters = parseFilters(opts.filter ?? []) as Filters;
  const what = opts.all ? 'all images without at least one container associated to them' : 'all dangling images';
  if (!opts.force && !(await confirm(`WARNING! This will remove ${what}.\n${question}`))) return;
  const client = await getClient();
  await report([() => pruneImages(client, filters, !!opts.all)]);
}

export async function builderPruneCommand(opts: PruneOptions): Promise<void> {
  const filters = parseFilters(opts.filter ?? []) as Filters;
  let keepStorage: number | undefined;
  if (opts.keepStorage !== undefined) {
    try {
      keepStorage = parseRamBytes(opts.keepStorage);
    } catch {
      throw new ExitError(125, `invalid argument "${opts.keepStorage}" for "--keep-storage" flag: invalid size: '${opts.keepStorage}'`);
    }
  }
  const what = opts.all ? 'all build cache' : 'all dangling build cache';
  if (!opts.force && !(await confirm(`WARNING! This will remove ${what}. ${question}`))) return;
  const client = await getClient();
  await report([() => pruneBuildCache(client, !!opts.all, { filters, ...(keepStorage !== undefined ? { keepStorage } : {}) })]);
}

export async function systemPruneCommand(opts: PruneOptions): Promise<void> {
  const filters = parseFilters(opts.filter ?? []) as Filters;
  if (!opts.force) {
    const items = [
      'all stopped containers',
      'all networks not used by at least one container',
      ...(opts.volumes ? ['all anonymous volumes not used by at least one container'] : []),
      opts.all ? 'all images without at least one container associated to them' : 'all dangling images',
      opts.all ? 'all build cache' : 'unused build cache',
    ];
    if (!(await confirm(`WARNING! This will remove:\n${items.map((i) => `  - ${i}\n`).join('')}\n${question}`))) return;
  }
  const client = await getClient();
  await report([
    () => pruneContainers(client, filters),
    () => pruneNetworks(client, filters),
    ...(opts.volumes ? [() => pruneVolumes(client, filters)] : []),
    () => pruneImages(client, filters, !!opts.all),
    () => pruneBuildCache(client, !!opts.all),
  ]);
}
