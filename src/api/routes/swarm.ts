// Swarm-mode endpoints (swarm, nodes, services, tasks, secrets, configs) as
// dockerd answers them when the engine is not in a swarm: the request is
// validated as dockerd's handlers validate it (body, version, query), then 503
// "not a swarm manager" or, for leave, "not part of a swarm". Clients rely on
// this: docker-py's leave_swarm(force=True) accepts the 503 and nothing else.
// Init and join would succeed on dockerd; berth has no swarm mode and says so
// with 501 (docs/compatibility.md, "Deliberate 501s").
import { internal, invalidArgument, notImplemented, unavailable } from '../../core/errors.ts';
import { goParseBool, strconvError } from '../go-json.ts';
import { boolQuery, filtersQuery, readGoJson } from '../http-util.ts';
import type { RequestContext, Router } from '../router.ts';
import { versionLess } from '../version.ts';

export const notSwarmManager =
  'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
export const notInSwarm = 'This node is not part of a swarm';

const inactive = () => unavailable(notSwarmManager);

/** `?version=` of an update, parsed as strconv.ParseUint with dockerd's message for `what`. */
function objectVersion(query: URLSearchParams, what: string): void {
  const raw = query.get('version') ?? '';
  if (!/^\d+$/.test(raw) || BigInt(raw) > 0xffffffffffffffffn) {
    const why = /^\d+$/.test(raw) ? `strconv.ParseUint: parsing ${JSON.stringify(raw)}: value out of range` : strconvError('ParseUint', raw);
    throw invalidArgument(what === 'secret' || what === 'config' ? `invalid ${what} version` : `invalid ${what} version '${raw}': ${why}`);
  }
}

/** An optional boolean query parameter parsed as strconv.ParseBool; `wrap` formats the refusal. */
function strictBool(query: URLSearchParams, key: string, wrap: (value: string) => string): void {
  const v = query.get(key);
  if (v !== null && v !== '' && goParseBool(v) === undefined) throw invalidArgument(wrap(v));
}

/** Secret and config templating arrived in API 1.37. */
function checkTemplating(body: unknown, version: string, what: string): void {
  const templating = (body as Record<string, unknown> | undefined)?.['Templating'];
  if (templating !== undefined && templating !== null && versionLess(version, '1.37')) {
    throw invalidArgument(`${what} templating is not supported on the specified API version: ${version}`);
  }
}

/** Service and task logs refuse a request that picks no stream before anything else. */
async function swarmLogs({ query }: RequestContext): Promise<void> {
  if (!boolQuery(query, 'stdout') && !boolQuery(query, 'stderr')) throw internal('Bad parameters: you must choose at least one stream');
  throw inactive();
}

function addCrud(router: Router, kind: 'secrets' | 'configs', goType: string): void {
  const what = kind.slice(0, -1);
  router.add('GET', `/${kind}`, async ({ query }) => {
    filtersQuery(query);
    throw inactive();
  });
  router.add('POST', `/${kind}/create`, async ({ req, version }) => {
    checkTemplating(await readGoJson(req, goType), version, what);
    throw inactive();
  });
  router.add('GET', `/${kind}/{id}`, async () => {
    throw inactive();
  });
  router.add('DELETE', `/${kind}/{id}`, async () => {
    throw inactive();
  });
  router.add('POST', `/${kind}/{id}/update`, async ({ req, query }) => {
    await readGoJson(req, goType);
    objectVersion(query, what);
    throw inactive();
  });
}

export function addSwarmRoutes(router: Router): void {
  router.add('GET', '/swarm', async () => {
    throw inactive();
  });
  for (const [path, goType] of [['/swarm/init', 'swarm.InitRequest'], ['/swarm/join', 'swarm.JoinRequest']] as const) {
    router.add('POST', path, async ({ req }) => {
      await readGoJson(req, goType);
      throw notImplemented(`berth does not implement swarm mode (POST ${path}); it is a single-host engine`);
    });
  }
  router.add('POST', '/swarm/leave', async () => {
    throw unavailable(notInSwarm);
  });
  router.add('POST', '/swarm/update', async ({ req, query }) => {
    await readGoJson(req, 'swarm.Spec');
    objectVersion(query, 'swarm');
    for (const key of ['rotateWorkerToken', 'rotateManagerToken', 'rotateManagerUnlockKey']) strictBool(query, key, (v) => `invalid value for ${key}: ${v}`);
    throw inactive();
  });
  router.add('GET', '/swarm/unlockkey', async () => {
    throw inactive();
  });
  router.add('POST', '/swarm/unlock', async ({ req }) => {
    await readGoJson(req, 'swarm.UnlockRequest');
    throw inactive();
  });

  router.add('GET', '/nodes', async ({ query }) => {
    filtersQuery(query);
    throw inactive();
  });
  router.add('GET', '/nodes/{id}', async () => {
    throw inactive();
  });
  router.add('DELETE', '/nodes/{id}', async () => {
    throw inactive();
  });
  router.add('POST', '/nodes/{id}/update', async ({ req, query }) => {
    await readGoJson(req, 'swarm.NodeSpec');
    objectVersion(query, 'node');
    throw inactive();
  });

  router.add('GET', '/services', async ({ query, version }) => {
    filtersQuery(query);
    if (!versionLess(version, '1.41')) strictBool(query, 'status', (v) => `invalid value for status: ${v}: ${strconvError('ParseBool', v)}`);
    throw inactive();
  });
  router.add('POST', '/services/create', async ({ req }) => {
    await readGoJson(req, 'swarm.ServiceSpec');
    throw inactive();
  });
  router.add('GET', '/services/{id}', async ({ query }) => {
    strictBool(query, 'insertDefaults', (v) => `invalid value for insertDefaults: ${v}: ${strconvError('ParseBool', v)}`);
    throw inactive();
  });
  router.add('DELETE', '/services/{id}', async () => {
    throw inactive();
  });
  router.add('POST', '/services/{id}/update', async ({ req, query }) => {
    await readGoJson(req, 'swarm.ServiceSpec');
    objectVersion(query, 'service');
    throw inactive();
  });
  router.add('GET', '/services/{id}/logs', swarmLogs);

  router.add('GET', '/tasks', async ({ query }) => {
    filtersQuery(query);
    throw inactive();
  });
  router.add('GET', '/tasks/{id}', async () => {
    throw inactive();
  });
  router.add('GET', '/tasks/{id}/logs', swarmLogs);

  addCrud(router, 'secrets', 'swarm.SecretSpec');
  addCrud(router, 'configs', 'swarm.ConfigSpec');
}
