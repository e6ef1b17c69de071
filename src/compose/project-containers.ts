// compose: finding a project's containers (by Compose's labels, so that
// projects made by Docker Compose are found too), and the progress lines that
// every compose command prints on stderr (" ✔ Container p-web-1  Started").
import type { EngineClient } from '../client/index.ts';
import type { ContainerSummary } from '../client/index.ts';
import { L } from './labels.ts';

export interface ListOptions {
  readonly all?: boolean;
  /** Only these services. */
  readonly services?: readonly string[];
  /** Include `compose run` containers. */
  readonly oneoff?: boolean;
}

export function serviceOf(c: ContainerSummary): string {
  return c.Labels?.[L.service] ?? '';
}

export function numberOf(c: ContainerSummary): number {
  return Number(c.Labels?.[L.number] ?? 0);
}

export function nameOf(c: ContainerSummary): string {
  return (c.Names?.[0] ?? c.Id).replace(/^\//, '');
}

/** The project's containers, sorted by name. */
export async function listProjectContainers(client: EngineClient, project: string, options: ListOptions = {}): Promise<ContainerSummary[]> {
  const label: Record<string, boolean> = { [`${L.project}=${project}`]: true };
  if (!options.oneoff) label[`${L.oneoff}=False`] = true;
  const list = await client.containerList({ all: options.all ?? false, filters: { label } });
  const wanted = options.services && options.services.length > 0 ? new Set(options.services) : undefined;
  return list.filter((c) => !wanted || wanted.has(serviceOf(c))).sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
}

/** One progress line on stderr, in Compose's shape. */
export function progress(kind: string, name: string, status: string): void {
  process.stderr.write(` ✔ ${kind} ${name}  ${status}\n`);
}
