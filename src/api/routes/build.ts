// Build routes: `POST /build` as the classic builder protocol (the context tar
// as the body, options in the query, progress as a JSON message stream with the
// image id as `aux`), and `POST /build/prune`.
import { errorMessage, invalidArgument, notImplemented } from '../../core/errors.ts';
import { boolQuery, sendJson } from '../http-util.ts';
import { JsonStream } from '../json-stream.ts';
import type { Router } from '../router.ts';
import { StepFailedError, failedStep } from '../../engine/index.ts';
import { buildSecretsHeader, buildSshHeader, secretsHeader, sshHeader } from '../../core/build-secrets.ts';
import { parseRegistryConfigHeader } from '../registry-auth.ts';

function jsonQuery<T extends string | null>(query: URLSearchParams, name: string): Record<string, T> {
  const raw = query.get(name);
  if (raw === null || raw === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (err) {
    throw invalidArgument(`invalid ${name} parameter: ${errorMessage(err)}`, err);
  }
  if (v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidArgument(`invalid ${name} parameter: expected a JSON object`);
  const out: Record<string, T> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (val !== null && typeof val !== 'string') throw invalidArgument(`invalid ${name} parameter: value of ${k} must be a string`);
    out[k] = val as T;
  }
  return out;
}

/** `cachefrom`: a JSON array of image references (docker's CLI), or one reference. */
function cacheFromQuery(query: URLSearchParams): string[] {
  const out: string[] = [];
  for (const raw of query.getAll('cachefrom')) {
    if (raw === '') continue;
    if (!raw.startsWith('[')) {
      out.push(raw);
      continue;
    }
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (err) {
      throw invalidArgument(`invalid cachefrom parameter: ${errorMessage(err)}`, err);
    }
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw invalidArgument('invalid cachefrom parameter: expected a JSON array of strings');
    out.push(...(v as string[]).filter((x) => x !== ''));
  }
  return out;
}

export function addBuildRoutes(router: Router): void {
  router.add('POST', '/build', async ({ req, res, query, engine, signal }) => {
    const builds = engine.builds;
    if (!builds) throw notImplemented('berth does not implement POST /build in this engine');
    const version = query.get('version');
    if (version === '2') throw invalidArgument('BuildKit is not supported by berth; use the classic builder (DOCKER_BUILDKIT=0)');
    const quiet = boolQuery(query, 'q');
    const rm = query.get('rm') === null ? true : boolQuery(query, 'rm');
    const target = query.get('target') ?? '';
    const platform = query.get('platform') ?? '';
    const networkMode = query.get('networkmode') ?? '';
    const dockerfile = query.get('dockerfile') ?? '';
    const secrets = buildSecretsHeader(req.headers[secretsHeader]);
    const cacheFrom = cacheFromQuery(query);
    const ssh = buildSshHeader(req.headers[sshHeader]);
    const registryAuth = parseRegistryConfigHeader(req.headers['x-registry-config']);
    const options = {
      ...(registryAuth.size > 0 ? { registryAuth } : {}),
      ...(ssh.size > 0 ? { ssh } : {}),
      ...(secrets.size > 0 ? { secrets } : {}),
      ...(cacheFrom.length > 0 ? { cacheFrom } : {}),
      tags: query.getAll('t').filter((t) => t !== ''),
      buildArgs: jsonQuery<string | null>(query, 'buildargs'),
      labels: jsonQuery<string>(query, 'labels'),
      noCache: boolQuery(query, 'nocache'),
      pull: boolQuery(query, 'pull'),
      rm,
      forceRm: boolQuery(query, 'forcerm'),
      signal,
      ...(target ? { target } : {}),
      ...(platform ? { platform } : {}),
      ...(networkMode ? { networkMode } : {}),
      ...(dockerfile ? { dockerfile } : {}),
    };
    const out = new JsonStream(res);
    out.start();
    // With q=1 the step output is held back and shown only when the build fails, as dockerd does.
    const held: string[] = [];
    try {
      const result = await builds.build(req, options, (m) => {
        if ('aux' in m) out.write({ aux: m.aux });
        else if (quiet) held.push(m.stream);
        else out.write({ stream: m.stream });
      });
      out.write({ aux: { ID: result.id } });
      if (quiet) out.write({ stream: `${result.id}\n` });
      else {
        out.write({ stream: `Successfully built ${result.id.slice('sha256:'.length, 'sha256:'.length + 12)}\n` });
        for (const t of result.tags) out.write({ stream: `Successfully tagged ${t}\n` });
      }
    } catch (err) {
      if (quiet && held.length > 0) out.write({ stream: held.join('') });
      const message = errorMessage(err);
      const code = err instanceof StepFailedError ? err.exitCode : undefined;
      // `step` (berth's own field; docker's clients ignore it) names the failing step for `berth build`.
      const step = failedStep(err);
      out.write({ errorDetail: { ...(code !== undefined ? { code } : {}), message, ...(step !== undefined ? { step } : {}) }, error: message });
    }
    out.end();
  });

  router.add('POST', '/build/prune', async ({ res, engine }) => {
    const r = engine.builds ? await engine.builds.prune() : { cachesDeleted: [], spaceReclaimed: 0 };
    sendJson(res, 200, { CachesDeleted: r.cachesDeleted, SpaceReclaimed: r.spaceReclaimed });
  });
}
