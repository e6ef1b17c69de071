// cli: `berth system df` — docker's TYPE/TOTAL/ACTIVE/SIZE/RECLAIMABLE summary
// of images, containers, local volumes and build cache (`--format` supported).
import { humanSize, FormatError, renderList, TemplateObject, ExitError, describeError, getClient, out } from '../../cli-kit/index.ts';
import { dfVerboseText, type DfVerboseResponse } from './system-df-verbose.ts';

interface DfResponse {
  readonly LayersSize?: number;
  readonly Images?: readonly { readonly Containers?: number; readonly Size?: number; readonly SharedSize?: number }[] | null;
  readonly Containers?: readonly { readonly State?: string; readonly SizeRw?: number }[] | null;
  readonly Volumes?: readonly { readonly UsageData?: { readonly Size: number; readonly RefCount: number } | null }[] | null;
  readonly BuildCache?: readonly { readonly Size?: number; readonly InUse?: boolean }[] | null;
}

interface Row { type: string; total: number; active: number; size: number; reclaimable: number }

/** docker's `<size> (<pct>%)`, the percentage only when there is anything at all. */
function reclaimText(reclaimable: number, total: number): string {
  return total > 0 ? `${humanSize(reclaimable, 4)} (${Math.floor((reclaimable * 100) / total)}%)` : humanSize(reclaimable, 4);
}

export function dfRows(df: DfResponse): Row[] {
  const images = df.Images ?? [];
  const usedImages = images.filter((i) => (i.Containers ?? 0) > 0);
  const imageTotal = df.LayersSize ?? 0;
  const imageUsed = usedImages.reduce((n, i) => n + Math.max(0, (i.Size ?? 0) - Math.max(0, i.SharedSize ?? 0)), 0);
  const containers = df.Containers ?? [];
  const running = (s?: string) => s === 'running' || s === 'paused' || s === 'restarting';
  const vols = df.Volumes ?? [];
  const cache = df.BuildCache ?? [];
  return [
    { type: 'Images', total: images.length, active: usedImages.length, size: imageTotal, reclaimable: Math.max(0, imageTotal - imageUsed) },
    {
      type: 'Containers', total: containers.length, active: containers.filter((c) => running(c.State)).length,
      size: containers.reduce((n, c) => n + (c.SizeRw ?? 0), 0),
      reclaimable: containers.filter((c) => !running(c.State)).reduce((n, c) => n + (c.SizeRw ?? 0), 0),
    },
    {
      type: 'Local Volumes', total: vols.length, active: vols.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length,
      size: vols.reduce((n, v) => n + Math.max(0, v.UsageData?.Size ?? 0), 0),
      reclaimable: vols.filter((v) => (v.UsageData?.RefCount ?? 0) === 0).reduce((n, v) => n + Math.max(0, v.UsageData?.Size ?? 0), 0),
    },
    {
      type: 'Build Cache', total: cache.length, active: cache.filter((b) => b.InUse).length,
      size: cache.reduce((n, b) => n + (b.Size ?? 0), 0),
      reclaimable: cache.filter((b) => !b.InUse).reduce((n, b) => n + (b.Size ?? 0), 0),
    },
  ];
}

function rowContext(r: Row): TemplateObject {
  return new TemplateObject('*formatter.diskUsageContext', {
    Type: () => r.type,
    TotalCount: () => String(r.total),
    Active: () => String(r.active),
    Size: () => humanSize(r.size, 4),
    Reclaimable: () => (r.type === 'Build Cache' ? humanSize(r.reclaimable, 4) : reclaimText(r.reclaimable, r.size)),
  });
}

export async function systemDfCommand(opts: { format?: string; verbose?: boolean }): Promise<void> {
  const client = await getClient();
  let df: DfResponse;
  try {
    df = await client.json<DfResponse>('GET', '/system/df');
  } catch (e) {
    throw new ExitError(1, describeError(e));
  }
  if (opts.verbose && (opts.format === undefined || opts.format === '')) {
    out(dfVerboseText(df as DfVerboseResponse));
    return;
  }
  try {
    out(renderList(dfRows(df).map(rowContext), {
      format: opts.format ?? '',
      defaultTable: '{{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}',
      headers: { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' },
    }));
  } catch (e) {
    if (e instanceof FormatError) throw new ExitError(1, e.message);
    throw e;
  }
}
