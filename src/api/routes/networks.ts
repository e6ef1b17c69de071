// Network routes: list, inspect, create, delete, connect, disconnect, prune.
import { internal, invalidArgument, isConflict, isInvalidArgument, isNotFound, notFound, permissionDenied } from '../../core/errors.ts';
import { endpointSpecFrom } from '../endpoints-spec.ts';
import { filtersQuery, readJson, sendEmpty, sendJson } from '../http-util.ts';
import { networkJson } from '../network-json.ts';
import type { RequestContext, Router } from '../router.ts';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function strMap(v: unknown, where: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObj(v) || !Object.values(v).every((x) => typeof x === 'string')) throw invalidArgument(`invalid ${where}: expected an object of strings`);
  return v as Record<string, string>;
}

/**
 * libnetwork's status codes where the engine says Conflict: an endpoint that
 * exists already and a network with active endpoints are Forbidden (403), a
 * container that is not connected is a plain error (500).
 * TODO(engine): throw these kinds in engine/containers.ts and network/manager.ts,
 * then drop this mapping (they were being split by other work when it was written).
 */
function asDockerd(err: unknown): never {
  // An unknown driver is a plugin that is not found (plugins.ErrNotFound): 404.
  if (isInvalidArgument(err) && /in v1 plugin registry: plugin not found$/.test(err.message)) throw notFound(err.message, err);
  if (isConflict(err) && /already exists in network|has active endpoints/.test(err.message)) throw permissionDenied(err.message, err);
  if (isConflict(err) && / is not connected to network /.test(err.message)) throw internal(err.message, err);
  throw err;
}

function networks({ engine }: RequestContext) {
  if (!engine.networks) throw invalidArgument('networks are not available');
  return engine.networks;
}

export function addNetworkRoutes(router: Router): void {
  router.add('GET', '/networks', async (ctx) => {
    const list = await networks(ctx).list(filtersQuery(ctx.query));
    sendJson(ctx.res, 200, list.map((n) => networkJson(n, { containers: false, version: ctx.version })));
  });

  router.add('GET', '/networks/{id}', async (ctx) => {
    if (!ctx.engine.networks) throw notFound(`network ${ctx.params['id']} not found`);
    sendJson(ctx.res, 200, networkJson(await networks(ctx).inspect(ctx.params['id'] ?? ''), { containers: true, version: ctx.version }));
  });

  router.add('POST', '/networks/create', async (ctx) => {
    const body = await readJson(ctx.req);
    if (!isObj(body)) throw invalidArgument('invalid request body: expected a JSON object');
    const name = body['Name'];
    if (typeof name !== 'string' || name === '') throw invalidArgument('network name is required');
    const ipam = isObj(body['IPAM']) ? body['IPAM'] : {};
    const configs = (Array.isArray(ipam['Config']) ? ipam['Config'] : []).filter(isObj);
    const isV6 = (c: Record<string, unknown>) => typeof c['Subnet'] === 'string' && c['Subnet'].includes(':');
    const v4 = configs.filter((c) => !isV6(c));
    const v6 = configs.filter(isV6);
    if (v4.length > 1 || v6.length > 1) throw invalidArgument('berth supports one IPv4 and one IPv6 subnet per network');
    const cfg = v4[0] ?? {};
    const cfg6 = v6[0];
    const str = (c: Record<string, unknown>, k: string) => (typeof c[k] === 'string' && c[k] !== '' ? (c[k] as string) : undefined);
    const ipv6 = cfg6 ? { subnet: str(cfg6, 'Subnet')!, ...(str(cfg6, 'Gateway') ? { gateway: str(cfg6, 'Gateway')! } : {}), ...(str(cfg6, 'IPRange') ? { ipRange: str(cfg6, 'IPRange')! } : {}) } : undefined;
    const subnet = typeof cfg['Subnet'] === 'string' && cfg['Subnet'] !== '' ? cfg['Subnet'] : undefined;
    const gateway = typeof cfg['Gateway'] === 'string' && cfg['Gateway'] !== '' ? cfg['Gateway'] : undefined;
    if (gateway && !subnet) throw invalidArgument('gateway given without a subnet');
    const ipRange = typeof cfg['IPRange'] === 'string' && cfg['IPRange'] !== '' ? cfg['IPRange'] : undefined;
    if (ipRange && !subnet) throw invalidArgument('ip-range given without a subnet');
    const aux = strMap(cfg['AuxiliaryAddresses'], 'IPAM.Config.AuxiliaryAddresses');
    const driver = typeof body['Driver'] === 'string' && body['Driver'] !== '' ? body['Driver'] : 'bridge';
    const checkDuplicate = body['CheckDuplicate'] === true;
    const same = checkDuplicate ? undefined : (await networks(ctx).list()).find((x) => x.network.name === name);
    const n = await networks(ctx).create({
      name,
      driver,
      checkDuplicate,
      enableIpv6: body['EnableIPv6'] === true,
      ...(ipv6 ? { ipv6 } : {}),
      ...(subnet ? { subnet } : {}),
      ...(gateway ? { gateway } : {}),
      ...(ipRange ? { ipRange } : {}),
      ...(Object.keys(aux).length > 0 ? { auxAddresses: aux } : {}),
      ...(isObj(ipam['Options']) ? { ipamOptions: strMap(ipam['Options'], 'IPAM.Options') } : {}),
      internal: body['Internal'] === true,
      attachable: body['Attachable'] === true,
      labels: strMap(body['Labels'], 'Labels'),
      options: strMap(body['Options'], 'Options'),
    }).catch(asDockerd);
    // dockerd's warning when a second network takes a name.
    sendJson(ctx.res, 201, { Id: n.id, Warning: same ? `Network with name ${name} (id : ${same.network.id}) already exists` : '' });
  });

  router.add('DELETE', '/networks/{id}', async (ctx) => {
    await networks(ctx).remove(ctx.params['id'] ?? '').catch(asDockerd);
    sendEmpty(ctx.res, 204);
  });

  router.add('POST', '/networks/{id}/connect', async (ctx) => {
    const body = await readJson(ctx.req);
    if (!isObj(body) || typeof body['Container'] !== 'string') throw invalidArgument('Container is required');
    await networks(ctx).connect(ctx.params['id'] ?? '', body['Container'], endpointSpecFrom(body['EndpointConfig'], 'EndpointConfig')).catch(asDockerd);
    sendEmpty(ctx.res, 200);
  });

  router.add('POST', '/networks/{id}/disconnect', async (ctx) => {
    const body = await readJson(ctx.req);
    if (!isObj(body) || typeof body['Container'] !== 'string') throw invalidArgument('Container is required');
    const force = body['Force'] === true;
    await networks(ctx).disconnect(ctx.params['id'] ?? '', body['Container'], { force }).catch((err: unknown) => {
      // With force dockerd looks for the endpoint by the name given when no such container exists.
      if (force && isNotFound(err) && /^No such container/.test(err.message)) throw notFound(`endpoint ${String(body['Container'])} not found`, err);
      asDockerd(err);
    });
    sendEmpty(ctx.res, 200);
  });

  router.add('POST', '/networks/prune', async (ctx) => {
    const filters = filtersQuery(ctx.query);
    // dockerd's networksAcceptedFilters: anything else is refused, not ignored.
    for (const k of Object.keys(filters)) if (!['until', 'label', 'label!'].includes(k)) throw invalidArgument(`invalid filter '${k}'`);
    const removed = await networks(ctx).prune(filters);
    sendJson(ctx.res, 200, { NetworksDeleted: removed.length > 0 ? removed : null });
  });
}
