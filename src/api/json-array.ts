// Large JSON arrays (`ps -a` of thousands of containers, `images` of many) are
// written in slices, each converted and stringified on its own turn of the
// event loop, with the socket's back-pressure: one client's 14 MB answer must
// not hold every other request (a `_ping`) until it is built. The bytes are
// those of JSON.stringify(array) + "\n", as dockerd's encoder writes them;
// a small array still goes out in one piece with its Content-Length.
import type { ServerResponse } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { sendJson } from './http-util.ts';

/** Items converted per turn; about 25-75 KB of container JSON. */
const sliceSize = 25;

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/** Sends `items.map(toJson)` as a 200 JSON array, in slices that yield to the loop when there are many. */
export async function sendJsonArray<T>(res: ServerResponse, items: readonly T[], toJson: (item: T) => unknown): Promise<void> {
  if (items.length <= sliceSize) {
    sendJson(res, 200, items.map(toJson));
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json' });
  for (let i = 0; i < items.length; i += sliceSize) {
    // The client went away: stop converting for nobody.
    if (res.destroyed) return;
    const slice = items.slice(i, i + sliceSize).map((x) => JSON.stringify(toJson(x)) ?? 'null');
    const text = (i === 0 ? '[' : ',') + slice.join(',');
    if (!res.write(text)) await drained(res);
    await nextTurn();
  }
  res.end(']\n');
}
