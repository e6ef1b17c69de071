// `POST /containers/prune` and `POST /images/prune` (volumes and networks have
// their own in volumes.ts and networks.ts).
import { notImplemented } from '../../core/errors.ts';
import { filtersQuery, sendJson } from '../http-util.ts';
import type { Router } from '../router.ts';

export function addPruneRoutes(router: Router): void {
  router.add('POST', '/containers/prune', async ({ res, query, engine }) => {
    if (!engine.prune) throw notImplemented('prune is not available');
    const r = await engine.prune.containers(filtersQuery(query));
    sendJson(res, 200, { ContainersDeleted: r.deleted.length > 0 ? r.deleted : null, SpaceReclaimed: r.spaceReclaimed });
  });
  router.add('POST', '/images/prune', async ({ res, query, engine }) => {
    if (!engine.prune) throw notImplemented('prune is not available');
    const r = await engine.prune.images(filtersQuery(query));
    const deleted = r.deleted.map((x) => ({ ...(x.untagged !== undefined ? { Untagged: x.untagged } : {}), ...(x.deleted !== undefined ? { Deleted: x.deleted } : {}) }));
    sendJson(res, 200, { ImagesDeleted: deleted.length > 0 ? deleted : null, SpaceReclaimed: r.spaceReclaimed });
  });
}
