// Registry routes: pull (`POST /images/create?fromImage=`, called from the
// images routes), push (`POST /images/{name}/push`) and `POST /auth`, with
// credentials from X-Registry-Auth. Errors before the first progress line are
// plain API errors; later ones become an `errorDetail` line, as docker does.
import { errorMessage, internal, invalidArgument, isUnauthenticated, isUnavailable, notImplemented, unauthenticated } from '../../core/errors.ts';
import { familiarName, parseReference } from '../../core/reference.ts';
import { goSyntaxMessage } from '../go-json.ts';
import type { RegistryService } from '../../engine/index.ts';
import { readBody, readJson, sendJson } from '../http-util.ts';
import { JsonStream } from '../json-stream.ts';
import { authConfigFrom, parseRegistryAuthHeader, type AuthConfig } from '../registry-auth.ts';
import type { RequestContext, Router } from '../router.ts';

function registryOf(ctx: RequestContext): RegistryService {
  if (!ctx.engine.registry) throw notImplemented('this engine has no registry service');
  return ctx.engine.registry;
}

/** docker's pull target: fromImage may carry a tag; `tag` may also be a digest. */
export function pullReference(fromImage: string, tag: string): string {
  if (tag === '') return fromImage;
  return tag.startsWith('sha256:') ? `${fromImage}@${tag}` : `${fromImage}:${tag}`;
}

function isNameOnly(name: string): boolean {
  try {
    const r = parseReference(name);
    return r.tag === undefined && r.digest === undefined;
  } catch {
    return false;
  }
}

export async function pullRoute(ctx: RequestContext): Promise<void> {
  const { req, res, query, signal } = ctx;
  const registry = registryOf(ctx);
  const fromImage = query.get('fromImage') ?? '';
  const tag = query.get('tag') ?? '';
  const ref = pullReference(fromImage, tag);
  const platform = query.get('platform') ?? '';
  const credentials = parseRegistryAuthHeader(req.headers['x-registry-auth']);
  const out = new JsonStream(res);
  const options = { signal, progress: (e: Parameters<JsonStream['progress']>[0]) => out.progress(e), ...(platform ? { platform } : {}), ...(credentials ? { credentials } : {}) };
  try {
    // docker: a repository named without tag or digest, and no `tag`, means every tag (pull --all-tags).
    if (tag === '' && isNameOnly(fromImage)) await registry.pullAllTags(fromImage, options);
    else await registry.pull(ref, options);
  } catch (err) {
    // dockerd has no class for an unreachable registry: it answers 500 (berth's kind says 503).
    if (!out.started) throw isUnavailable(err) ? internal(errorMessage(err), err) : err;
    out.error(errorMessage(err));
  }
  out.end();
}

/** `name` with its tag replaced by `tag`, as dockerd's reference.WithTag does (`cm:v1` + `v2` → `cm:v2`). */
function withTag(name: string, tag: string): string {
  try {
    const r = parseReference(name);
    return `${familiarName({ domain: r.domain, path: r.path })}:${tag}`;
  } catch {
    return `${name}:${tag}`;
  }
}

/**
 * A push's credentials: X-Registry-Auth, or, as dockerd still accepts from old
 * clients, an AuthConfig JSON body; neither is a 400 with dockerd's text.
 */
async function pushCredentials({ req }: RequestContext): Promise<AuthConfig | undefined> {
  const header = req.headers['x-registry-auth'];
  if (header !== undefined && header !== '') return parseRegistryAuthHeader(header);
  const text = (await readBody(req)).toString('utf8');
  try {
    if (text.trim() === '') throw new Error('EOF');
    const auth = authConfigFrom(JSON.parse(text));
    return Object.keys(auth).length > 0 ? auth : undefined;
  } catch (err) {
    throw invalidArgument(`Bad parameters and missing X-Registry-Auth: ${text.trim() === '' ? 'EOF' : goSyntaxMessage(text, err)}`);
  }
}

export function addRegistryRoutes(router: Router): void {
  router.add('POST', '/images/{name}/push', async (ctx) => {
    const { res, params, query, signal } = ctx;
    const registry = registryOf(ctx);
    const tag = query.get('tag') ?? '';
    const name = params['name']!;
    const credentials = await pushCredentials(ctx);
    const out = new JsonStream(res);
    try {
      const r = await registry.push(tag ? withTag(name, tag) : name, { signal, progress: (e) => out.progress(e), ...(credentials ? { credentials } : {}) });
      out.write({ status: `${r.tag}: digest: ${r.digest} size: ${r.size}`, progressDetail: {} });
      out.write({ progressDetail: {}, aux: { Tag: r.tag, Digest: r.digest, Size: r.size } });
    } catch (err) {
      if (!out.started) throw err;
      out.error(errorMessage(err));
    }
    out.end();
  });

  // docker-py's images.get_registry_data, `docker buildx imagetools`: the registry's answer without a pull.
  router.add('GET', '/distribution/{name}/json', async (ctx) => {
    const credentials = parseRegistryAuthHeader(ctx.req.headers['x-registry-auth']);
    const info = await registryOf(ctx).inspectDistribution(ctx.params['name']!, { signal: ctx.signal, ...(credentials ? { credentials } : {}) });
    const d = info.descriptor;
    sendJson(ctx.res, 200, {
      Descriptor: { mediaType: d.mediaType, digest: d.digest, size: d.size, ...(d.urls ? { urls: d.urls } : {}) },
      Platforms: info.platforms,
    });
  });

  router.add('POST', '/auth', async (ctx) => {
    const registry = registryOf(ctx);
    // dockerd decodes the body straight into an AuthConfig: an empty one is its plain 500 "EOF".
    const body = await readJson(ctx.req);
    if (body === undefined) throw internal('EOF');
    const auth = authConfigFrom(body);
    const server = auth.serverAddress ?? 'https://index.docker.io/v1/';
    const { serverAddress: _s, ...credentials } = auth;
    try {
      const r = await registry.login(server, credentials, { signal: ctx.signal });
      sendJson(ctx.res, 200, { Status: 'Login Succeeded', IdentityToken: r.identityToken ?? '' });
    } catch (err) {
      if (isUnauthenticated(err)) throw unauthenticated(errorMessage(err), err);
      // As for pulls: an unreachable registry is dockerd's plain 500.
      throw isUnavailable(err) ? internal(errorMessage(err), err) : err;
    }
  });
}
