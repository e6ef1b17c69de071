// `GET /events`: docker's event stream — past events from `since`, then live
// ones until `until` or the client leaves, one JSON message per line.
import { invalidArgument, notImplemented } from '../../core/errors.ts';
import { parseEventTime, unknownEventFilter } from '../../engine/index.ts';
import { eventJsonText } from '../event-json.ts';
import { filtersQuery } from '../http-util.ts';
import type { Router } from '../router.ts';

export function addEventRoutes(router: Router): void {
  router.add('GET', '/events', async ({ res, query, engine, signal }) => {
    const bus = engine.events;
    if (!bus) throw notImplemented('events are not available');
    const filters = filtersQuery(query);
    // dockerd 20.10 ignored an unknown key; current docker refuses it, as berth does.
    const bad = unknownEventFilter(filters);
    if (bad !== undefined) throw invalidArgument(`invalid filter '${bad}'`);
    const since = parseEventTime(query.get('since') ?? '');
    const until = parseEventTime(query.get('until') ?? '');
    if (since !== undefined && until !== undefined && until < since) {
      throw invalidArgument(`\`since\` time (${query.get('since') ?? ''}) cannot be after \`until\` time (${query.get('until') ?? ''})`);
    }
    const sub = bus.subscribe({ ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}), filters, signal });
    res.writeHead(200, { 'Content-Type': 'application/json' });
    // The headers go out now so that clients know the stream is open before the first event.
    res.flushHeaders();
    try {
      for await (const e of sub) {
        if (!res.write(eventJsonText(e) + '\n')) await new Promise<void>((resolve) => res.once('drain', resolve));
      }
    } finally {
      sub.close();
      res.end();
    }
  });
}
