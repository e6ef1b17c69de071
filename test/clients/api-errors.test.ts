// Error answers, family by family, as a client library reads them (issue 11,
// "Errors"): status, content type and `{"message"}` with dockerd's text, also
// for endpoints that stream when they succeed (logs, export, stats, save,
// push, pull, import, load) and fail before the first byte. Differences kept
// on purpose are left out and listed in docs/compatibility.md (malformed
// `filters` are 400 as in current dockerd, where 20.10 answers 500; an
// upper-case repository is refused with current distribution/reference's
// text, which names the repository).
import { apiRequest, type Answer } from './api-request.ts';
import { clientTargets, sameOnBoth, type Target } from './harness.ts';

clientTargets();

type Req = readonly [method: string, path: string, body?: string, headers?: Record<string, string>];

const strip = (a: Answer) => ({ status: a.status, type: a.status >= 400 ? a.type : '(success)', body: a.status >= 400 ? a.body : '(success)' });

async function answers(t: Target, reqs: readonly Req[]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [method, path, body, headers] of reqs) {
    out[`${method} ${path}${body !== undefined ? ` ${body}` : ''}`] = strip(await apiRequest(t, method, path, body, headers));
  }
  return out;
}

sameOnBoth('streamed endpoints that fail before streaming answer {"message"} with dockerd\'s status', (t) => answers(t, [
  ['GET', '/containers/nosuch/logs?stdout=1'],
  ['GET', '/containers/nosuch/logs'],
  ['GET', '/containers/nosuch/export'],
  ['GET', '/containers/nosuch/stats?stream=0'],
  ['GET', '/containers/nosuch/stats'],
  ['GET', '/containers/nosuch/archive?path=/'],
  ['GET', '/images/nosuch/get'],
  ['GET', '/images/get?names=nosuch'],
  ['POST', '/images/nosuch/push'],
  ['POST', '/images/busybox/push'],
  ['POST', '/images/create?fromImage=127.0.0.1:1/x&tag=latest'],
  ['POST', '/exec/nosuch/start', '{}'],
  ['GET', '/nonsense/path'],
]));

sameOnBoth('object endpoints answer dockerd\'s 404 and 409 texts', async (t) => {
  await apiRequest(t, 'POST', '/containers/create?name=err-stopped', JSON.stringify({ Image: 'busybox', Cmd: ['true'] }));
  return answers(t, [
    ['GET', '/containers/nosuch/json'],
    ['GET', '/containers/err-stopped/top'],
    ['POST', '/containers/err-stopped/kill'],
    ['POST', '/containers/err-stopped/pause'],
    ['POST', '/containers/err-stopped/exec', JSON.stringify({ Cmd: ['true'] })],
    ['POST', '/containers/nosuch/exec', JSON.stringify({ Cmd: ['true'] })],
    ['POST', '/commit?container=nosuch'],
    ['POST', '/commit'],
    ['POST', '/commit?container=err-stopped&changes=BOGUS%201'],
    ['GET', '/images/nosuch/history'],
    ['POST', '/images/nosuch/tag?repo=x'],
    ['DELETE', '/images/nosuch'],
    ['GET', '/exec/nosuch/json'],
    ['GET', '/volumes/nosuch'],
    ['DELETE', '/volumes/nosuch'],
    ['GET', '/networks/nosuch'],
    ['DELETE', '/images/'],
    ['POST', '/auth'],
  ]);
});

sameOnBoth('prunes with nothing to remove answer null lists', (t) => Promise.all(
  ['/networks/prune', '/containers/prune', '/images/prune', '/volumes/prune'].map(async (p) => [p, (await apiRequest(t, 'POST', p)).body] as const),
).then(Object.fromEntries));

sameOnBoth('load of what is not an image archive is a 200 stream ending in the error', async (t) => {
  const out: Record<string, unknown> = {};
  for (const [name, body] of [['garbage', 'garbage\n'], ['1 KiB of x', 'x'.repeat(1024)]] as const) {
    const a = await apiRequest(t, 'POST', '/images/load', body, { 'Content-Type': 'application/x-tar' });
    out[name] = { status: a.status, type: a.type, body: a.body };
  }
  return out;
});
