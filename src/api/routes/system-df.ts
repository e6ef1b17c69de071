// `GET /system/df`: disk usage of images, containers, volumes and build cache,
// optionally only some of them (`type=` since API 1.42).
import { invalidArgument } from '../../core/errors.ts';
import { listJson } from '../container-json.ts';
import { sendJson } from '../http-util.ts';
import { imageListJson } from '../image-json.ts';
import { volumeJson } from '../mount-json.ts';
import type { Router } from '../router.ts';
import { versionLess } from '../version.ts';

const kinds = ['container', 'image', 'volume', 'build-cache'] as const;

export function addSystemDfRoute(router: Router): void {
  router.add('GET', '/system/df', async ({ res, query, version, engine }) => {
    // Before API 1.42 dockerd ignores `type` and answers everything, with BuilderSize.
    const old = versionLess(version, '1.42');
    const asked = old ? [] : query.getAll('type');
    for (const t of asked) if (!(kinds as readonly string[]).includes(t)) throw invalidArgument(`unknown object type: ${t}`);
    const want = (k: (typeof kinds)[number]) => asked.length === 0 || asked.includes(k);
    const body: Record<string, unknown> = {};
    const containers = want('container') || want('image') ? await engine.containers.list({ all: true, size: want('container') }) : [];
    if (want('image')) {
      const images = await engine.images.list({ all: true });
      const users = new Map<string, number>();
      for (const c of containers) users.set(c.imageId, (users.get(c.imageId) ?? 0) + 1);
      // As docker counts: each layer once in LayersSize; an image's SharedSize is its layers that other images use too.
      const layerUsers = new Map<string, { size: number; images: number }>();
      for (const i of images) {
        for (const l of i.layers) {
          const u = layerUsers.get(l.chainId) ?? { size: l.size, images: 0 };
          u.images += 1;
          layerUsers.set(l.chainId, u);
        }
      }
      body['LayersSize'] = [...layerUsers.values()].reduce((n, u) => n + u.size, 0);
      const shared = (i: (typeof images)[number]) => i.layers.reduce((n, l) => n + ((layerUsers.get(l.chainId)?.images ?? 0) > 1 ? l.size : 0), 0);
      body['Images'] = images.map((i) => ({ ...imageListJson(i, { version, parent: engine.images.parentOf?.(i.id) ?? '' }), SharedSize: shared(i), Containers: users.get(i.id) ?? 0 }));
    }
    if (want('container')) body['Containers'] = containers.map((c) => listJson(c));
    if (want('volume')) body['Volumes'] = (await engine.volumes.usage()).map((u) => volumeJson(u.volume, { size: u.size, refCount: u.refCount }));
    // No build cache records: dockerd 20.10 (API 1.41) says null and BuilderSize 0.
    if (want('build-cache')) body['BuildCache'] = old ? null : [];
    if (old) body['BuilderSize'] = 0;
    sendJson(res, 200, body);
  });
}
