// cli-kit/format: docker's formatter contexts for ps, images and history — the fields
// a --format template can name (`.ID`, `.Names`, `.Label "k"`, …), their column
// headers and default table templates, with docker's truncation and wording.
import { TemplateObject } from '../template/index.ts';
import type { ContainerSummary, HistoryItem, ImageSummary, Port } from '../../client/index.ts';
import { humanSize, timeAgo } from './units.ts';

/** stringid.TruncateID: drop `sha256:`, keep 12 characters. */
export function truncateId(id: string): string {
  const i = id.indexOf(':');
  return (i >= 0 ? id.slice(i + 1) : id).slice(0, 12);
}

/** docker's Ellipsis: at most `max` runes, the last replaced by `…` when cut. */
export function ellipsis(s: string, max: number): string {
  const runes = [...s];
  if (runes.length <= max) return s;
  return runes.slice(0, max - 1).join('') + '…';
}

/** Go's time.Time.String() for a unix time: `2026-11-28 10:12:14 +0000 UTC`. */
export function goTimeString(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const offMin = -d.getTimezoneOffset();
  const local = new Date(d.getTime() + offMin * 60000);
  const p = (n: number) => String(n).padStart(2, '0');
  const sign = offMin < 0 ? '-' : '+';
  const off = `${sign}${p(Math.trunc(Math.abs(offMin) / 60))}${p(Math.abs(offMin) % 60)}`;
  const zone = offMin === 0 ? 'UTC' : (new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((x) => x.type === 'timeZoneName')?.value ?? off);
  return `${local.getUTCFullYear()}-${p(local.getUTCMonth() + 1)}-${p(local.getUTCDate())} ${p(local.getUTCHours())}:${p(local.getUTCMinutes())}:${p(local.getUTCSeconds())} ${off} ${zone}`;
}

/**
 * Go's time.Time.String() for a time the daemon sent as RFC 3339 text, in the
 * zone it came with: `2026-12-06 12:10:41.658820536 +0000 UTC` (fraction
 * without trailing zeros; an offset other than Z named by itself, as Go's
 * parse fabricates such a zone). Text that is not RFC 3339 comes back as is.
 */
export function goParsedTimeString(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) return text;
  const fraction = (m[3] ?? '').replace(/0+$/, '');
  const zone = m[4] === 'Z' ? '+0000 UTC' : `${(m[4] as string).replace(':', '')} ${(m[4] as string).replace(':', '')}`;
  return `${m[1]} ${m[2]}${fraction ? `.${fraction}` : ''} ${zone}`;
}

/** RFC 3339 in local time, as Go's time.RFC3339 (`Z` for UTC). */
export function rfc3339(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const offMin = -d.getTimezoneOffset();
  if (offMin === 0) return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const local = new Date(d.getTime() + offMin * 60000).toISOString().slice(0, 19);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${local}${offMin < 0 ? '-' : '+'}${p(Math.trunc(Math.abs(offMin) / 60))}:${p(Math.abs(offMin) % 60)}`;
}

/**
 * docker's DisplayablePorts: ports published on the same port number are grouped
 * into ranges per address and protocol (`0.0.0.0:5000-5002->5000-5002/tcp`),
 * other mappings follow one by one, exposed-only ports show as `80/tcp`.
 */
export function displayPorts(ports: readonly Port[]): string {
  const sorted = [...ports].sort((a, b) => a.PrivatePort - b.PrivatePort || ((a.IP ?? '') < (b.IP ?? '') ? -1 : (a.IP ?? '') > (b.IP ?? '') ? 1 : 0) || (a.PublicPort ?? 0) - (b.PublicPort ?? 0) || (a.Type < b.Type ? -1 : a.Type > b.Type ? 1 : 0));
  const groups = new Map<string, { first: number; last: number }>();
  const result: string[] = [];
  const hostMappings: string[] = [];
  const form = (key: string, g: { first: number; last: number }) => {
    const slash = key.lastIndexOf('/');
    const ip = slash < 0 ? '' : key.slice(0, slash);
    const type = key.slice(slash + 1);
    const range = g.first === g.last ? String(g.first) : `${g.first}-${g.last}`;
    return `${ip !== '' ? `${ip}:${range}->${range}` : range}/${type}`;
  };
  for (const p of sorted) {
    const ip = p.IP ?? '';
    let key = p.Type;
    if (ip !== '') {
      if (p.PublicPort !== p.PrivatePort) {
        hostMappings.push(`${ip.includes(':') ? `[${ip}]` : ip}:${p.PublicPort ?? 0}->${p.PrivatePort}/${p.Type}`);
        continue;
      }
      key = `${ip.includes(':') ? `[${ip}]` : ip}/${p.Type}`;
    }
    const g = groups.get(key);
    if (!g) {
      groups.set(key, { first: p.PrivatePort, last: p.PrivatePort });
      continue;
    }
    if (p.PrivatePort === g.last + 1) {
      g.last = p.PrivatePort;
      continue;
    }
    result.push(form(key, g));
    // Re-inserting keeps docker's order: groups print in the order their keys first appeared.
    groups.set(key, { first: p.PrivatePort, last: p.PrivatePort });
  }
  for (const [key, g] of groups) result.push(form(key, g));
  return [...result, ...hostMappings].join(', ');
}

export const psHeaders: Readonly<Record<string, string>> = {
  ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED',
  Ports: 'PORTS', State: 'STATE', Status: 'STATUS', Size: 'SIZE', Names: 'NAMES', Labels: 'LABELS',
  Label: 'LABEL', Mounts: 'MOUNTS', LocalVolumes: 'LOCAL VOLUMES', Networks: 'NETWORKS', Platform: 'PLATFORM',
};

export function psDefaultTable(size: boolean): string {
  return '{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}' + (size ? '\t{{.Size}}' : '');
}

export function containerContext(c: ContainerSummary, trunc: boolean, now = Date.now()): TemplateObject {
  const labels = c.Labels ?? {};
  const names = (c.Names ?? []).map((n) => n.replace(/^\//, '')).filter((n) => !trunc || !n.includes('/'));
  const fields = {
    ID: () => (trunc ? truncateId(c.Id) : c.Id),
    Names: () => names.join(','),
    Image: () => {
      const image = c.Image ?? '';
      if (image === '') return '<no image>';
      if (trunc && c.ImageID && truncateId(c.ImageID) === truncateId(image)) return truncateId(image);
      if (trunc) return image.replace(/@sha256:[0-9a-f]{64}$/, '');
      return image;
    },
    Command: () => JSON.stringify(trunc ? ellipsis(c.Command ?? '', 20) : (c.Command ?? '')),
    CreatedAt: () => goTimeString(c.Created ?? 0),
    RunningFor: () => timeAgo(c.Created ?? 0, now),
    Ports: () => displayPorts(c.Ports ?? []),
    State: () => c.State ?? '',
    Status: () => c.Status ?? '',
    Size: () => {
      const rw = humanSize(c.SizeRw ?? 0);
      return (c.SizeRootFs ?? 0) > 0 ? `${rw} (virtual ${humanSize(c.SizeRootFs ?? 0)})` : rw;
    },
    Labels: () => Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(','),
    Label: (name: unknown) => labels[String(name)] ?? '',
    Mounts: () => (c.Mounts ?? []).map((m) => {
      const n = m.Name || m.Source || '';
      return trunc ? ellipsis(n, 15) : n;
    }).join(','),
    LocalVolumes: () => String((c.Mounts ?? []).filter((m) => m.Type === 'volume').length),
    Networks: () => Object.keys(c.NetworkSettings?.Networks ?? {}).sort().join(','),
    Platform: () => null,
  };
  return new TemplateObject('*formatter.ContainerContext', fields, () => {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(fields).sort()) if (k !== 'Label') out[k] = (fields as Record<string, (...a: unknown[]) => unknown>)[k]?.();
    return out;
  });
}

export const imageHeaders: Readonly<Record<string, string>> = {
  Repository: 'REPOSITORY', Tag: 'TAG', Digest: 'DIGEST', ID: 'IMAGE ID', CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT', Size: 'SIZE', Containers: 'CONTAINERS', SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE', VirtualSize: 'SIZE',
};

export function imageDefaultTable(digests: boolean): string {
  return '{{.Repository}}\t{{.Tag}}\t' + (digests ? '{{.Digest}}\t' : '') + '{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
}

interface ImageRow { readonly repo: string; readonly tag: string; readonly digest: string }

/** One row per repository:tag (and per digest-only reference), as `docker images`. */
export function imageRows(img: ImageSummary): ImageRow[] {
  const tags = (img.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
  const digests = (img.RepoDigests ?? []).filter((d) => d !== '<none>@<none>');
  const digestOf = (repo: string) => digests.find((d) => d.slice(0, d.lastIndexOf('@')) === repo)?.slice(repo.length + 1) ?? '<none>';
  const rows: ImageRow[] = [];
  const seenRepos = new Set<string>();
  for (const t of tags) {
    const i = t.lastIndexOf(':');
    const repo = t.slice(0, i);
    seenRepos.add(repo);
    rows.push({ repo, tag: t.slice(i + 1), digest: digestOf(repo) });
  }
  for (const d of digests) {
    const repo = d.slice(0, d.lastIndexOf('@'));
    if (!seenRepos.has(repo)) { seenRepos.add(repo); rows.push({ repo, tag: '<none>', digest: d.slice(repo.length + 1) }); }
  }
  if (rows.length === 0) rows.push({ repo: '<none>', tag: '<none>', digest: '<none>' });
  return rows;
}

export function imageContexts(img: ImageSummary, trunc: boolean, now = Date.now()): TemplateObject[] {
  return imageRows(img).map((row) => {
    const fields = {
      Containers: () => ((img.Containers ?? -1) < 0 ? 'N/A' : String(img.Containers)),
      CreatedAt: () => goTimeString(img.Created ?? 0),
      CreatedSince: () => timeAgo(img.Created ?? 0, now),
      Digest: () => row.digest,
      ID: () => (trunc ? truncateId(img.Id) : img.Id),
      Repository: () => row.repo,
      SharedSize: () => ((img.SharedSize ?? -1) < 0 ? 'N/A' : humanSize(img.SharedSize ?? 0)),
      Size: () => humanSize(img.Size ?? 0),
      Tag: () => row.tag,
      UniqueSize: () => ((img.SharedSize ?? -1) < 0 ? 'N/A' : humanSize((img.Size ?? 0) - (img.SharedSize ?? 0))),
      VirtualSize: () => humanSize(img.Size ?? 0, 4),
    };
    return new TemplateObject('*formatter.imageContext', fields);
  });
}

export const historyHeaders: Readonly<Record<string, string>> = {
  ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT',
};

export function historyDefaultTable(human: boolean): string {
  return `{{.ID}}\t{{.${human ? 'CreatedSince' : 'CreatedAt'}}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}`;
}

export function historyContext(h: HistoryItem, trunc: boolean, human: boolean, now = Date.now()): TemplateObject {
  return new TemplateObject('*formatter.historyContext', {
    ID: () => (trunc && h.Id.startsWith('sha256:') ? truncateId(h.Id) : h.Id),
    CreatedSince: () => (human ? timeAgo(h.Created, now) : rfc3339(h.Created)),
    CreatedAt: () => rfc3339(h.Created),
    CreatedBy: () => {
      const by = h.CreatedBy.replace(/\t/g, ' ');
      return trunc ? ellipsis(by, 45) : by;
    },
    Size: () => (human ? humanSize(h.Size) : String(h.Size)),
    Comment: () => h.Comment,
  });
}
