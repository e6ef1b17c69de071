// Build routes: `POST /build` as the classic builder protocol (the context tar
// as the body, options in the query, progress as a JSON message stream with the
// image id as `aux`), and `POST /build/prune`.
import { errorMessage, notImplemented } from '../../core/errors.ts';
import { sendJson } from '../http-util.ts';
import { JsonStream } from '../json-stream.ts';
import type { Router } from '../router.ts';
import { StepFailedError } from '../../engine/index.ts';
import { versionLess } from '../version.ts';
import { parseBuildQuery } from './build-query.ts';

export function addBuildRoutes(router: Router): void {
  router.add('POST', '/build', async ({ req, res, query, version, engine, signal }) => {
    const builds = engine.builds;
    if (!builds) throw notImplemented('berth does not implement POST /build in this engine');
    const { quiet, remote, options } = parseBuildQuery(query, req.headers, version);
    const out = new JsonStream(res);
    // With q=1 the progress is held back and shown only when the build fails, as dockerd does.
    const held: Record<string, unknown>[] = [];
    const send = (m: Record<string, unknown>) => (quiet ? held.push(m) : out.write(m));
    try {
      // Clients before API 1.30 get no aux messages (dockerd's wantAux).
      const wantAux = !versionLess(version, '1.30');
      const result = await builds.build(req, { ...options, ...(remote ? { remote, remoteProgress: send } : {}), signal }, (m) => {
        if (!('aux' in m)) send({ stream: m.stream });
        else if (wantAux) send({ aux: m.aux });
      });
      if (quiet) out.write({ stream: `${result.id}\n` });
      else {
        out.write({ stream: `Successfully built ${result.id.slice('sha256:'.length, 'sha256:'.length + 12)}\n` });
        for (const t of result.tags) out.write({ stream: `Successfully tagged ${t}\n` });
      }
    } catch (err) {
      for (const m of held) out.write(m);
      // Nothing sent yet: dockerd answers with the error's status and `{"message"}`.
      if (!out.started) throw err;
      const message = errorMessage(err);
      const code = err instanceof StepFailedError ? err.exitCode : undefined;
      out.write({ errorDetail: { ...(code !== undefined ? { code } : {}), message }, error: message });
    }
    out.end();
  });

  router.add('POST', '/build/prune', async ({ res, engine }) => {
    const r = engine.builds ? await engine.builds.prune() : { cachesDeleted: [], spaceReclaimed: 0 };
    sendJson(res, 200, { CachesDeleted: r.cachesDeleted, SpaceReclaimed: r.spaceReclaimed });
  });
}
