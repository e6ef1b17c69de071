// Volume routes: list, create, inspect, remove and prune (`/volumes`).
import { invalidArgument } from '../../core/errors.ts';
import { boolQuery, filtersQuery, readJson, sendEmpty, sendJson } from '../http-util.ts';
import { volumeJson } from '../mount-json.ts';
import type { Router } from '../router.ts';
import { versionLess } from '../version.ts';

type Obj = Record<string, unknown>;

function strMap(o: Obj, key: string): Record<string, string> | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v) || !Object.values(v as Obj).every((x) => typeof x === 'string')) {
    throw invalidArgument(`invalid ${key}: expected an object of strings`);
  }
  return v as Record<string, string>;
}

function str(o: Obj, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalidArgument(`invalid ${key}: expected a string`);
  return v;
}

export function addVolumeRoutes(router: Router): void {
  router.add('GET', '/volumes', async ({ res, query, engine }) => {
    const list = await engine.volumes.list({ filters: filtersQuery(query) });
    sendJson(res, 200, { Volumes: list.map((v) => volumeJson(v)), Warnings: null });
  });

  router.add('POST', '/volumes/create', async ({ req, res, engine }) => {
    const body = (await readJson(req)) ?? {};
    if (typeof body !== 'object' || Array.isArray(body) || body === null) throw invalidArgument('invalid request body: expected a JSON object');
    const b = body as Obj;
    const name = str(b, 'Name');
    const driver = str(b, 'Driver');
    const labels = strMap(b, 'Labels');
    const driverOptions = strMap(b, 'DriverOpts');
    const v = await engine.volumes.create({
      ...(name ? { name } : {}),
      ...(driver ? { driver } : {}),
      ...(labels ? { labels } : {}),
      ...(driverOptions ? { driverOptions } : {}),
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

  router.add('DELETE', '/volumes/{name}', async ({ res, params, query, engine }) => {
    await engine.volumes.remove(params['name']!, { force: boolQuery(query, 'force') });
    sendEmpty(res, 204);
  });
}
