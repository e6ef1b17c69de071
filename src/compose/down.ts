// compose: `compose down` — stops and removes the project's containers
// (one-off ones too), then its networks, and on request its volumes (-v) and
// images (--rmi local|all). Works from labels, so it also cleans up a project
// whose services left the file (--remove-orphans).
import type { EngineClient } from '../client/index.ts';
import { isNotFound, invalidArgument } from '../core/errors.ts';
import type { Project } from './model.ts';
import { serviceImage } from './container-spec.ts';
import { L } from './labels.ts';
import { listProjectContainers, progress, serviceOf } from './project-containers.ts';
import { removeContainer } from './up.ts';

export interface DownOptions {
  readonly volumes?: boolean;
  readonly rmi?: string;
  readonly removeOrphans?: boolean;
  readonly timeout?: number;
}

export async function down(client: EngineClient, project: Project, options: DownOptions = {}): Promise<void> {
  if (options.rmi !== undefined && options.rmi !== 'local' && options.rmi !== 'all') throw invalidArgument(`invalid --rmi option "${options.rmi}"`);
  const known = new Set([...project.services, ...project.disabled].map((s) => s.name));
  const containers = (await listProjectContainers(client, project.name, { all: true, oneoff: true }))
    .filter((c) => options.removeOrphans || known.has(serviceOf(c)));
  // Dependents first: reverse of the start order is approximated by stopping all at once.
  await Promise.all(containers.map((c) => removeContainer(client, c, options.timeout, options.volumes ?? false)));

  const nets = await client.json<{ Name: string; Id: string }[]>('GET', '/networks', {
    query: { filters: JSON.stringify({ label: { [`${L.project}=${project.name}`]: true } }) },
  });
  for (const [, n] of Object.entries(project.networks)) {
    if (n.external) continue;
    const found = nets.find((x) => x.Name === n.name);
    if (!found) continue;
    try {
      await client.raw('DELETE', `/networks/${encodeURIComponent(found.Id)}`);
      progress('Network', n.name, 'Removed');
    } catch (e) {
      if (!isNotFound(e)) process.stderr.write(`failed to remove network ${n.name}: ${(e as Error).message}\n`);
    }
  }

  if (options.volumes) {
    for (const v of Object.values(project.volumes)) {
      if (v.external) continue;
      try {
        await client.raw('DELETE', `/volumes/${encodeURIComponent(v.name)}`);
        progress('Volume', v.name, 'Removed');
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
  }

  if (options.rmi) {
    const images = new Set<string>();
    for (const s of [...project.services, ...project.disabled]) {
      if (options.rmi === 'all' || !s.image) images.add(serviceImage(project, s));
    }
    for (const image of images) {
      try {
        await client.imageRemove(image);
        progress('Image', image, 'Removed');
      } catch (e) {
        if (!isNotFound(e)) process.stderr.write(`failed to remove image ${image}: ${(e as Error).message}\n`);
      }
    }
  }
}
