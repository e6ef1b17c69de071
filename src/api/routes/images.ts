// Image routes: list, inspect, history, tag, delete, import
// (`/images/create?fromSrc=-`), load and save.
import { errorMessage, internal, invalidArgument, isInvalidArgument, isNotFound, notFound, notImplemented } from '../../core/errors.ts';
import { boolQuery, filtersQuery, sendJson } from '../http-util.ts';
import { historyJson, imageInspectJson, imageListJson } from '../image-json.ts';
import { JsonStream } from '../json-stream.ts';
import { sendJsonArray } from '../json-array.ts';
import type { RequestContext, Router } from '../router.ts';
import { narrowToReferences } from './image-reference-filter.ts';
import { pullRoute } from './registry.ts';

async function save(names: string[], { res, engine, signal }: RequestContext): Promise<void> {
  if (names.length === 0) throw invalidArgument('no image names given');
  // Resolve first so that a missing image is a clean 404, not a broken tar.
  // dockerd names the image as the client wrote it ("No such image: x", no ":latest").
  for (const n of names) {
    await engine.images.inspect(n).catch((err: unknown) => {
      throw isNotFound(err) ? notFound(`No such image: ${n}`, err) : err;
    });
  }
  res.writeHead(200, { 'Content-Type': 'application/x-tar' });
  await engine.images.save(names, res, { signal });
  res.end();
}

export function addImageRoutes(router: Router): void {
  router.add('GET', '/images/json', async ({ res, query, engine, version }) => {
    const filters = filtersQuery(query);
    const images = await engine.images.list({ all: boolQuery(query, 'all'), filters });
    const references = filters['reference'] ?? [];
    await sendJsonArray(res, images, (i) => imageListJson(narrowToReferences(i, references), { version, parent: engine.images.parentOf?.(i.id) ?? '' }));
  });

  router.add('POST', '/images/create', async (ctx) => {
    const { req, res, query, engine } = ctx;
    const fromImage = query.get('fromImage');
    const fromSrc = query.get('fromSrc');
    if (fromImage) return pullRoute(ctx);
    if (fromSrc === null || fromSrc === '') throw invalidArgument('fromImage or fromSrc is required');
    if (fromSrc !== '-') throw notImplemented(`berth does not implement importing from a URL (POST /images/create?fromSrc=${fromSrc}) yet`);
    const repo = query.get('repo') ?? '';
    const tag = query.get('tag') ?? '';
    const message = query.get('message') ?? '';
    const platform = query.get('platform') ?? '';
    const changes = query.getAll('changes').filter((c) => c.trim() !== '');
    const out = new JsonStream(res);
    // A layer that does not unpack is dockerd's plain error (500), from its tar extraction.
    const image = await engine.images.import(req, {
      ...(repo ? { repo } : {}),
      ...(tag ? { tag } : {}),
      ...(message ? { message } : {}),
      ...(platform ? { platform } : {}),
      changes,
    }).catch((err: unknown) => {
      if (isInvalidArgument(err) && /^cannot unpack layer: /.test(err.message)) throw internal(`Error processing tar file(exit status 1): ${err.message.slice('cannot unpack layer: '.length)}`, err);
      throw err;
    });
    out.write({ status: image.id });
    out.end();
  });

  // As dockerd: the answer is a 200 JSON stream from the start, and a failure
  // (a broken or foreign archive included) is its last message, never a status.
  // Without `quiet` dockerd is quiet (BoolValueOrDefault(r, "quiet", true)).
  router.add('POST', '/images/load', async ({ req, res, query, engine, signal }) => {
    const quiet = query.has('quiet') ? boolQuery(query, 'quiet') : true;
    const out = new JsonStream(res);
    out.start();
    try {
      const result = await engine.images.load(req, { signal, ...(quiet ? {} : { progress: (e) => out.progress(e) }) });
      for (const m of result.messages) out.write({ stream: `${m}\n` });
    } catch (err) {
      out.error(errorMessage(err));
      // The client may still be sending the archive; drop the rest of it.
      req.resume();
    }
    out.end();
  });

  router.add('GET', '/images/get', async (ctx) => save(ctx.query.getAll('names').filter((n) => n !== ''), ctx));
  router.add('GET', '/images/{name}/get', async (ctx) => save([ctx.params['name']!], ctx));

  router.add('GET', '/images/{name}/json', async ({ res, params, engine, version }) => {
    const image = await engine.images.inspect(params['name']!);
    const graphDriver = engine.images.graphDriverOf?.(image);
    sendJson(res, 200, imageInspectJson(image, { version, parent: engine.images.parentOf?.(image.id) ?? '', ...(graphDriver ? { graphDriver } : {}) }));
  });

  router.add('GET', '/images/{name}/history', async ({ res, params, engine }) => {
    const entries = await engine.images.history(params['name']!);
    sendJson(res, 200, entries.map(historyJson));
  });

  router.add('POST', '/images/{name}/tag', async ({ res, params, query, engine }) => {
    const repo = query.get('repo');
    if (!repo) throw invalidArgument('repository name must have at least one component');
    const tag = query.get('tag') ?? '';
    await engine.images.tag(params['name']!, repo, tag || undefined);
    res.writeHead(201);
    res.end();
  });

  router.add('DELETE', '/images/', async () => {
    throw invalidArgument('image name cannot be blank');
  });

  router.add('DELETE', '/images/{name}', async ({ res, params, query, engine }) => {
    const records = await engine.images.remove(params['name']!, { force: boolQuery(query, 'force'), noprune: boolQuery(query, 'noprune') });
    sendJson(res, 200, records.map((r) => (r.untagged !== undefined ? { Untagged: r.untagged } : { Deleted: r.deleted })));
  });
}
