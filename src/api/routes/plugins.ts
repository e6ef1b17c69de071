// Plugin endpoints as dockerd answers them when no plugin is installed: the
// list is empty, a named plugin is 404 `plugin "x" not found`, and requests are
// validated first as dockerd's handlers do (privileges body, remote reference,
// timeout). Installing a managed plugin (pull, create, privileges of a remote)
// would succeed on dockerd; berth has no plugin system and answers 501
// (docs/compatibility.md, "Deliberate 501s").
import { internal, invalidArgument, isBerthError, notFound, notImplemented } from '../../core/errors.ts';
import { parseReference } from '../../core/reference.ts';
import { goSyntaxMessage, strconvError } from '../go-json.ts';
import { filtersQuery, readBody, readGoJson, sendJson } from '../http-util.ts';
import type { RequestContext, Router } from '../router.ts';

const noPlugin = (name: string) => notFound(`plugin ${JSON.stringify(name)} not found`);
const noPluginSystem = (what: string) => notImplemented(`berth does not implement managed plugins (${what})`);

/** A plugin reference as dockerd parses it: its errors are 500s there. */
function pluginReference(remote: string, prefix = ''): void {
  try {
    parseReference(remote);
  } catch (err) {
    if (isBerthError(err)) throw internal(`${prefix}${err.message}`);
    throw err;
  }
}

/** The privileges a client accepted, a JSON array (`types.PluginPrivileges`); dockerd refuses others with 500. */
async function readPrivileges({ req }: RequestContext): Promise<void> {
  const text = (await readBody(req)).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw internal(`failed to parse privileges: ${goSyntaxMessage(text, err)}`);
  }
  if (value !== null && !Array.isArray(value)) {
    throw internal(`failed to parse privileges: json: cannot unmarshal ${typeof value === 'object' ? 'object' : typeof value === 'boolean' ? 'bool' : typeof value} into Go value of type types.PluginPrivileges`);
  }
}

/** `foo` → `foo:latest`, as dockerd names the plugin an upgrade looks for. */
function taggedName(name: string): string {
  const slash = name.lastIndexOf('/');
  return name.includes('@') || name.slice(slash + 1).includes(':') ? name : `${name}:latest`;
}

export function addPluginRoutes(router: Router): void {
  router.add('GET', '/plugins', async ({ res, query }) => {
    const filters = filtersQuery(query);
    for (const key of Object.keys(filters)) if (key !== 'enabled' && key !== 'capability') throw invalidArgument(`Invalid filter '${key}'`);
    const enabled = filters['enabled'];
    if (enabled !== undefined && !(enabled.length === 1 && (enabled[0] === 'true' || enabled[0] === 'false'))) {
      throw invalidArgument(`Invalid filter 'enabled=[${enabled.join(' ')}]'`);
    }
    sendJson(res, 200, []);
  });
  router.add('GET', '/plugins/privileges', async ({ query }) => {
    pluginReference(query.get('remote') ?? '');
    throw noPluginSystem('GET /plugins/privileges');
  });
  router.add('POST', '/plugins/pull', async (ctx) => {
    await readPrivileges(ctx);
    pluginReference(ctx.query.get('remote') ?? '');
    throw noPluginSystem('POST /plugins/pull');
  });
  router.add('POST', '/plugins/create', async ({ query }) => {
    const name = query.get('name') ?? '';
    pluginReference(name, `failed to parse reference ${name}: `);
    throw noPluginSystem('POST /plugins/create');
  });
  router.add('GET', '/plugins/{name}/json', async ({ params }) => {
    throw noPlugin(params['name']!);
  });
  router.add('POST', '/plugins/{name}/enable', async ({ params, query }) => {
    const timeout = query.get('timeout') ?? '';
    if (!/^[+-]?\d+$/.test(timeout)) throw internal(strconvError('Atoi', timeout));
    throw noPlugin(params['name']!);
  });
  router.add('POST', '/plugins/{name}/disable', async ({ params }) => {
    throw noPlugin(params['name']!);
  });
  router.add('POST', '/plugins/{name}/upgrade', async (ctx) => {
    await readPrivileges(ctx);
    pluginReference(ctx.query.get('remote') ?? '');
    throw noPlugin(taggedName(ctx.params['name']!));
  });
  router.add('POST', '/plugins/{name}/push', async ({ params }) => {
    throw noPlugin(params['name']!);
  });
  router.add('POST', '/plugins/{name}/set', async ({ req, params }) => {
    await readGoJson(req, '[]string', 'array');
    throw noPlugin(params['name']!);
  });
  router.add('DELETE', '/plugins/{name}', async ({ params }) => {
    throw noPlugin(params['name']!);
  });
}
