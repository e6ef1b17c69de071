// Volume routes: list, create, inspect, remove and prune (`/volumes`).
import { errorMessage, invalidArgument, notFound, unavailable } from '../../core/errors.ts';
import { boolQuery, filtersQuery, readGoJson, sendEmpty, sendJson } from '../http-util.ts';
import { volumeJson } from '../mount-json.ts';
import type { Router } from '../router.ts';
import { versionLess } from '../version.ts';

type Obj = Record<string, unknown>;

// The create body is decoded as dockerd decodes it into a VolumeCreateBody; a
// wrongly typed field gets Go's UnmarshalTypeError text.
const goType = 'volume.VolumeCreateBody';
const fieldError = (v: unknown, key: string, type: string) =>
  invalidArgument(`json: cannot unmarshal ${Array.isArray(v) ? 'array' : typeof v === 'boolean' ? 'bool' : typeof v} into Go struct field VolumeCreateBody.${key} of type ${type}`);

function strMap(o: Obj, key: string): Record<string, string> | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw fieldError(v, key, 'map[string]string');
  for (const x of Object.values(v as Obj)) if (typeof x !== 'string' && x !== null) throw fieldError(x, key, 'string');
  return Object.fromEntries(Object.entries(v as Obj).map(([k, x]) => [k, typeof x === 'string' ? x : '']));
}

function str(o: Obj, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw fieldError(v, key, 'string');
  return v;
}

/** `filters` of the volume list, with dockerd's prefix on a malformed value. */
function volumeFilters(query: URLSearchParams): ReturnType<typeof filtersQuery> {
  try {
    return filtersQuery(query);
  } catch (err) {
    throw invalidArgument(`error reading volume filters: ${errorMessage(err)}`);
  }
}

export function addVolumeRoutes(router: Router): void {
  router.add('GET', '/volumes', async ({ res, query, engine }) => {
    const list = await engine.volumes.list({ filters: volumeFilters(query) });
    sendJson(res, 200, { Volumes: list.map((v) => volumeJson(v)), Warnings: null });
  });

  router.add('POST', '/volumes/create', async ({ req, res, version, engine }) => {
    const b = ((await readGoJson(req, goType)) ?? {}) as Obj;
    const name = str(b, 'Name');
    const driver = str(b, 'Driver');
    const labels = strMap(b, 'Labels');
    const driverOptions = strMap(b, 'DriverOpts');
    const v = await engine.volumes.create({
      ...(name ? { name } : {}),
      ...(driver ? { driver } : {}),
      ...(labels ? { labels } : {}),
      ...(driverOptions ? { driverOptions } : {}),
      // dockerd since v23 (API 1.42) labels a volume created without a name anonymous, so that prune takes it; 20.10 did not.
      anonymous: !versionLess(version, '1.42'),
    });
    sendJson(res, 201, volumeJson(v));
  });

  router.add('POST', '/volumes/prune', async ({ res, query, version, engine }) => {
    const filters = { ...filtersQuery(query) };
    // Before API 1.42 prune took every unused volume, named ones too.
    if (versionLess(version, '1.42') && filters['all'] === undefined) filters['all'] = ['true'];
    const r = await engine.volumes.prune({ filters });
    sendJson(res, 200, { VolumesDeleted: r.deleted, SpaceReclaimed: r.spaceReclaimed });
  });

  router.add('GET', '/volumes/{name}', async ({ res, params, engine }) => {
    sendJson(res, 200, volumeJson(await engine.volumes.inspect(params['name']!)));
  });

  // Updating is for swarm cluster volumes only (API 1.42+); older API versions
  // did not have the route, so dockerd answered 404 to them.
  router.add('PUT', '/volumes/{name}', async ({ version }) => {
    if (versionLess(version, '1.42')) throw notFound('page not found');
    throw unavailable('volume update only valid for cluster volumes, but swarm is unavailable');
  });

  router.add('DELETE', '/volumes/{name}', async ({ res, params, query, engine }) => {
    await engine.volumes.remove(params['name']!, { force: boolQuery(query, 'force') });
    sendEmpty(res, 204);
  });
}
