// compose: `compose ps` — the project's containers in Compose v2's columns
// NAME IMAGE COMMAND SERVICE CREATED STATUS PORTS, or --format table/json/template,
// -q for ids, --services for service names.
import type { EngineClient, ContainerSummary } from '../client/index.ts';
import { containerContext, renderList, TemplateObject } from '../cli-kit/index.ts';
import type { Project } from './model.ts';
import { listProjectContainers, nameOf, serviceOf } from './project-containers.ts';
import { L } from './labels.ts';

export interface PsOptions {
  readonly all?: boolean;
  readonly quiet?: boolean;
  readonly services?: boolean;
  readonly format?: string;
  readonly status?: readonly string[];
  readonly filterServices?: readonly string[];
}

const headers: Readonly<Record<string, string>> = {
  Name: 'NAME', Image: 'IMAGE', Command: 'COMMAND', Service: 'SERVICE', RunningFor: 'CREATED', Status: 'STATUS', Ports: 'PORTS',
  ID: 'CONTAINER ID', State: 'STATE', Project: 'PROJECT', Health: 'HEALTH', ExitCode: 'EXIT CODE', Names: 'NAMES',
};
const defaultTable = '{{.Name}}\t{{.Image}}\t{{.Command}}\t{{.Service}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}';

function context(c: ContainerSummary): TemplateObject {
  const base = containerContext(c, true);
  const health = /\((healthy|unhealthy|health: starting)\)/.exec(c.Status ?? '')?.[1]?.replace('health: ', '') ?? '';
  const exit = /^Exited \((\d+)\)/.exec(c.Status ?? '')?.[1];
  const fields: Record<string, (...args: unknown[]) => unknown> = {
    ...base.fields,
    Name: () => nameOf(c),
    Service: () => serviceOf(c),
    Project: () => c.Labels?.[L.project] ?? '',
    Health: () => health,
    ExitCode: () => Number(exit ?? 0),
  };
  return new TemplateObject('api.ContainerSummary', fields, () => ({
    ID: c.Id, Name: nameOf(c), Names: nameOf(c), Image: c.Image ?? '', Command: JSON.stringify(c.Command ?? ''),
    Project: c.Labels?.[L.project] ?? '', Service: serviceOf(c), Created: c.Created ?? 0, State: c.State ?? '',
    Status: c.Status ?? '', Health: health, ExitCode: Number(exit ?? 0), Labels: fields['Labels']?.() ?? '',
    LocalVolumes: fields['LocalVolumes']?.() ?? '0', Mounts: fields['Mounts']?.() ?? '', Networks: fields['Networks']?.() ?? '',
    Ports: fields['Ports']?.() ?? '', RunningFor: fields['RunningFor']?.() ?? '', Size: 0,
    Publishers: (c.Ports ?? []).map((p) => ({ URL: p.IP ?? '', TargetPort: p.PrivatePort, PublishedPort: p.PublicPort ?? 0, Protocol: p.Type })),
  }));
}

export async function ps(client: EngineClient, project: Project, options: PsOptions = {}): Promise<string> {
  if (options.services) {
    return [...project.services].map((s) => `${s.name}\n`).join('');
  }
  let list = await listProjectContainers(client, project.name, { all: options.all ?? false, ...(options.filterServices ? { services: options.filterServices } : {}) });
  if (options.status && options.status.length > 0) list = list.filter((c) => options.status?.includes(c.State ?? ''));
  if (options.quiet) return list.map((c) => `${c.Id}\n`).join('');
  return renderList(list.map(context), { format: options.format ?? '', defaultTable, headers });
}
