// Clean-up: `container prune` (stopped containers) and `image prune` (dangling
// images, or with dangling=false every image no container uses), with docker's
// `until` and `label` filters. Works through the public services, so removals
// publish their usual events; a `prune` event with the reclaimed bytes follows.
import { invalidArgument } from '../../core/errors.ts';
import type { EventPublisher } from '../events/events.ts';
import type { ContainerService, Filters, ImageDeleteResult, ImageService } from '../types.ts';
import type { Image } from '../../image/index.ts';
import { parseTimestamp } from '../../lib/timestamp.ts';

function labelMatches(labels: Readonly<Record<string, string>>, want: string): boolean {
  const i = want.indexOf('=');
  if (i < 0) return Object.hasOwn(labels, want);
  return labels[want.slice(0, i)] === want.slice(i + 1);
}

/** label / label! and until, shared by both prunes. */
function keep(filters: Filters, labels: Readonly<Record<string, string>>, createdMs: number, untilNs: bigint | undefined): boolean {
  if (!(filters['label'] ?? []).every((l) => labelMatches(labels, l))) return false;
  if ((filters['label!'] ?? []).some((l) => labelMatches(labels, l))) return false;
  if (untilNs !== undefined && BigInt(createdMs) * 1_000_000n >= untilNs) return false;
  return true;
}

function untilOf(filters: Filters): bigint | undefined {
  const v = filters['until'];
  if (v === undefined || v.length === 0) return undefined;
  if (v.length > 1) throw invalidArgument('more than one until filter specified');
  const t = parseTimestamp(v[0]!);
  if (t === null) throw invalidArgument(`failed to parse value as time or duration: "${v[0]}"`);
  return t;
}

function checkKeys(filters: Filters, known: readonly string[]): void {
  for (const k of Object.keys(filters)) if (!known.includes(k)) throw invalidArgument(`invalid filter '${k}'`);
}

export class PruneService {
  readonly #containers: ContainerService;
  readonly #images: ImageService;
  readonly #events: EventPublisher | undefined;

  constructor(deps: { containers: ContainerService; images: ImageService; events?: EventPublisher }) {
    this.#containers = deps.containers;
    this.#images = deps.images;
    this.#events = deps.events;
  }

  /** Removes every container that is not running (created, exited, dead). */
  async containers(filters: Filters = {}): Promise<{ deleted: string[]; spaceReclaimed: number }> {
    checkKeys(filters, ['until', 'label', 'label!']);
    const until = untilOf(filters);
    const all = await this.#containers.list({ all: true, size: true });
    const deleted: string[] = [];
    let space = 0;
    for (const c of all) {
      if (c.state.status === 'running' || c.state.status === 'paused' || c.state.status === 'restarting') continue;
      if (!keep(filters, c.spec.labels, Date.parse(c.created), until)) continue;
      try {
        await this.#containers.remove(c.id);
      } catch {
        // Started or removed meanwhile: not ours to prune any more.
        continue;
      }
      deleted.push(c.id);
      space += c.sizeRw ?? 0;
    }
    this.#events?.publish({ type: 'container', action: 'prune', id: '', attributes: { reclaimed: String(space) } });
    return { deleted, spaceReclaimed: space };
  }

  /** Dangling images (default, or dangling=true), or with dangling=false all images (one a container uses keeps its last tag, as in docker). */
  async images(filters: Filters = {}): Promise<{ deleted: ImageDeleteResult[]; spaceReclaimed: number }> {
    checkKeys(filters, ['until', 'label', 'label!', 'dangling']);
    const until = untilOf(filters);
    const d = filters['dangling']?.[0] ?? 'true';
    if (!['true', 'false', '1', '0'].includes(d)) throw invalidArgument(`invalid filter 'dangling=${d}'`);
    const danglingOnly = d === 'true' || d === '1';
    const deleted: ImageDeleteResult[] = [];
    const removed: Image[] = [];
    for (const img of await this.#images.list()) {
      // As docker: images that containers use are tried too: their extra tags go, the last one stays (conflict, skipped below).
      if (danglingOnly && img.repoTags.length > 0) continue;
      if (!keep(filters, img.config.config?.Labels ?? {}, Date.parse(img.created), until)) continue;
      const refs = img.repoTags.length > 0 ? [...img.repoTags] : [img.id];
      let gone = false;
      for (const ref of refs) {
        try {
          const r = await this.#images.remove(ref);
          deleted.push(...r);
          if (r.some((x) => x.deleted === img.id)) gone = true;
        } catch {
          // In use or removed meanwhile: skip it, as docker does.
          break;
        }
      }
      if (gone) removed.push(img);
    }
    // As docker counts: the bytes of the layers that went, each once (a layer another image still uses stays).
    const live = new Set((await this.#images.list()).flatMap((i) => i.layers.map((l) => l.chainId as string)));
    const gone = new Map<string, number>();
    for (const img of removed) for (const l of img.layers) if (!live.has(l.chainId)) gone.set(l.chainId, l.size);
    const space = [...gone.values()].reduce((n, x) => n + x, 0);
    this.#events?.publish({ type: 'image', action: 'prune', id: '', attributes: { reclaimed: String(space) } });
    return { deleted, spaceReclaimed: space };
  }
}
