// Routes for a container's files: the archive API of `docker cp` (HEAD, GET,
// PUT /containers/{id}/archive with X-Docker-Container-Path-Stat), export,
// changes (`docker diff`) and POST /commit.
import { invalidArgument, notImplemented } from '../../core/errors.ts';
import type { FileService } from '../../engine/index.ts';
import type { PathStat } from '../../engine/index.ts';
import type { Engine } from '../../engine/index.ts';
import type { OciContainerConfig } from '../../engine/index.ts';
import { boolQuery, optionalBool, readJson, sendEmpty, sendJson } from '../http-util.ts';
import type { Router } from '../router.ts';

function files(engine: Engine): FileService {
  if (!engine.files) throw notImplemented('container file access is not available');
  return engine.files;
}

function pathQuery(q: URLSearchParams): string {
  const path = q.get('path');
  if (path === null || path === '') throw invalidArgument('not a valid path: path cannot be empty');
  return path;
}

function statHeader(stat: PathStat): string {
  return Buffer.from(JSON.stringify(stat)).toString('base64');
}

/** The commit body's container config: only the fields an image config keeps. */
function commitConfig(body: unknown): OciContainerConfig | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body !== 'object' || Array.isArray(body)) throw invalidArgument('invalid container config in commit request');
  const b = body as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of ['User', 'ExposedPorts', 'Env', 'Entrypoint', 'Cmd', 'Volumes', 'WorkingDir', 'Labels', 'StopSignal', 'Healthcheck', 'OnBuild', 'Shell']) {
    const v = b[k];
    // Empty values in the body mean "not given" (the docker CLI sends a zero Config).
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0)) continue;
    out[k] = v;
  }
  return Object.keys(out).length > 0 ? (out as OciContainerConfig) : undefined;
}

export function addContainerFileRoutes(router: Router): void {
  router.add('HEAD', '/containers/{id}/archive', async ({ res, params, query, engine }) => {
    const stat = await files(engine).stat(params['id']!, pathQuery(query));
    res.writeHead(200, { 'X-Docker-Container-Path-Stat': statHeader(stat), 'Content-Type': 'application/x-tar' });
    res.end();
  });

  router.add('GET', '/containers/{id}/archive', async ({ res, params, query, engine }) => {
    await files(engine).archive(params['id']!, pathQuery(query), (stat) => {
      res.writeHead(200, { 'X-Docker-Container-Path-Stat': statHeader(stat), 'Content-Type': 'application/x-tar' });
      return res;
    });
  });

  router.add('PUT', '/containers/{id}/archive', async ({ req, res, params, query, engine }) => {
    await files(engine).extract(params['id']!, pathQuery(query), req, {
      noOverwriteDirNonDir: boolQuery(query, 'noOverwriteDirNonDir'),
      copyUIDGID: boolQuery(query, 'copyUIDGID'),
    });
    sendEmpty(res, 200);
  });

  router.add('GET', '/containers/{id}/export', async ({ res, params, engine }) => {
    // Resolve first so that a missing container is a clean 404, not a broken tar.
    await engine.containers.inspect(params['id']!);
    res.writeHead(200, { 'Content-Type': 'application/x-tar' });
    await files(engine).export(params['id']!, res);
  });

  router.add('GET', '/containers/{id}/changes', async ({ res, params, engine }) => {
    const changes = await files(engine).changes(params['id']!);
    // moby's change list is a nil slice when nothing changed: JSON null.
    sendJson(res, 200, changes.length === 0 ? null : changes.map((c) => ({ Path: c.path, Kind: c.kind })));
  });

  router.add('POST', '/commit', async ({ req, res, query, engine }) => {
    const container = query.get('container') ?? '';
    if (container === '') throw invalidArgument('invalid name or ID supplied: ""');
    const config = commitConfig(await readJson(req));
    const opt = (k: string) => {
      const v = query.get(k);
      return v === null || v === '' ? undefined : v;
    };
    const repo = opt('repo');
    const tag = opt('tag');
    const comment = opt('comment');
    const author = opt('author');
    const image = await files(engine).commit(container, {
      ...(repo !== undefined ? { repo } : {}),
      ...(tag !== undefined ? { tag } : {}),
      ...(comment !== undefined ? { comment } : {}),
      ...(author !== undefined ? { author } : {}),
      pause: optionalBool(query, 'pause') ?? true,
      changes: query.getAll('changes').filter((c) => c !== ''),
      ...(config ? { config } : {}),
    });
    sendJson(res, 201, { Id: image.id });
  });
}
