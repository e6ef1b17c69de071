// cli: `berth system df -v` — docker's per-object tables: images (shared and
// unique size, containers), containers (local volumes, size), local volumes
// (links, size) and build cache.
import type { ContainerSummary, ImageSummary } from '../../client/index.ts';
import { containerContext, imageContexts, imageHeaders, renderList, humanSize, TemplateObject } from '../../cli-kit/index.ts';

export interface DfVerboseResponse {
  readonly Images?: readonly ImageSummary[] | null;
  readonly Containers?: readonly ContainerSummary[] | null;
  readonly Volumes?: readonly { readonly Name: string; readonly UsageData?: { readonly Size: number; readonly RefCount: number } | null }[] | null;
  readonly BuildCache?: readonly { readonly ID?: string; readonly Type?: string; readonly Size?: number; readonly UsageCount?: number; readonly Shared?: boolean }[] | null;
}

function table(contexts: readonly TemplateObject[], defaultTable: string, headers: Readonly<Record<string, string>>): string {
  return renderList(contexts, { format: '', defaultTable, headers });
}

export function dfVerboseText(df: DfVerboseResponse, now = Date.now()): string {
  const images = (df.Images ?? []).flatMap((img) =>
    imageContexts(img, true, now).map((ctx) => new TemplateObject('*formatter.imageContext', {
      ...ctx.fields,
      // docker's df shows these two with go-units HumanSize (4 digits).
      SharedSize: () => ((img.SharedSize ?? -1) < 0 ? 'N/A' : humanSize(img.SharedSize ?? 0, 4)),
      UniqueSize: () => ((img.SharedSize ?? -1) < 0 ? 'N/A' : humanSize((img.Size ?? 0) - Math.max(0, img.SharedSize ?? 0), 4)),
    })),
  );
  const containers = (df.Containers ?? []).map((c) => {
    const ctx = containerContext(c, true, now);
    return new TemplateObject('*formatter.ContainerContext', { ...ctx.fields, Size: () => humanSize(c.SizeRw ?? 0) });
  });
  const volumes = (df.Volumes ?? []).map((v) => new TemplateObject('*formatter.volumeContext', {
    Name: () => v.Name,
    Links: () => String(v.UsageData?.RefCount ?? 0),
    Size: () => humanSize(Math.max(0, v.UsageData?.Size ?? 0), 4),
  }));
  const cache = df.BuildCache ?? [];
  const cacheRows = cache.map((b) => new TemplateObject('*formatter.buildCacheContext', {
    ID: () => (b.ID ?? '').slice(0, 12),
    CacheType: () => b.Type ?? '',
    Size: () => humanSize(b.Size ?? 0, 4),
    CreatedSince: () => '',
    LastUsedSince: () => '',
    UsageCount: () => String(b.UsageCount ?? 0),
    Shared: () => String(!!b.Shared),
  }));
  const cacheTotal = cache.reduce((n, b) => n + (b.Size ?? 0), 0);
  return [
    'Images space usage:\n\n',
    table(images, '{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}', imageHeaders),
    '\nContainers space usage:\n\n',
    table(containers, '{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}', {
      ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', LocalVolumes: 'LOCAL VOLUMES', Size: 'SIZE', RunningFor: 'CREATED', Status: 'STATUS', Names: 'NAMES',
    }),
    '\nLocal Volumes space usage:\n\n',
    table(volumes, '{{.Name}}\t{{.Links}}\t{{.Size}}', { Name: 'VOLUME NAME', Links: 'LINKS', Size: 'SIZE' }),
    `\nBuild cache usage: ${humanSize(cacheTotal, 4)}\n\n`,
    table(cacheRows, '{{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}', {
      ID: 'CACHE ID', CacheType: 'CACHE TYPE', Size: 'SIZE', CreatedSince: 'CREATED', LastUsedSince: 'LAST USED', UsageCount: 'USAGE', Shared: 'SHARED',
    }),
  ].join('');
}
