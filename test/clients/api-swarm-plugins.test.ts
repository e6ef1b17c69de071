// The swarm, plugin and cluster-volume endpoints, request by request, as a
// client library sees them on the wire (status and `{"message"}`), against an
// engine that is not in a swarm and has no plugins (issue 11: "Swarm and
// plugin endpoints answer 501"). Each request is validated as dockerd's
// handler validates it before the 503: body, object version, query booleans.
// Left out on purpose: swarm init/join with a valid body and plugin
// privileges/pull of a real remote (dockerd would act; berth answers 501 —
// docs/compatibility.md, "Deliberate 501s").
import { apiRequest } from './api-request.ts';
import { clientTargets, sameOnBoth } from './harness.ts';

clientTargets();

type Req = readonly [method: string, path: string, body?: string];

async function answers(t: Parameters<typeof apiRequest>[0], reqs: readonly Req[]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [method, path, body] of reqs) {
    const a = await apiRequest(t, method, path, body);
    out[`${method} ${path}${body !== undefined ? ` ${body}` : ''}`] = { status: a.status, body: a.body };
  }
  return out;
}

sameOnBoth('swarm endpoints answer 503 (or the handler\'s 400) with dockerd\'s texts', (t) => answers(t, [
  ['GET', '/swarm'],
  ['POST', '/swarm/leave'],
  ['POST', '/swarm/leave?force=1'],
  ['POST', '/swarm/update'],
  ['POST', '/swarm/update', '{}'],
  ['POST', '/swarm/update', 'x'],
  ['POST', '/swarm/update?version=1', '{}'],
  ['POST', '/swarm/update?version=1&rotateWorkerToken=x', '{}'],
  ['GET', '/swarm/unlockkey'],
  ['POST', '/swarm/unlock'],
  ['POST', '/swarm/unlock', '{}'],
  ['POST', '/swarm/unlock', '[]'],
  ['POST', '/swarm/init', 'x'],
  ['POST', '/swarm/join', '[]'],
]));

sameOnBoth('node, service and task endpoints answer as outside a swarm', (t) => answers(t, [
  ['GET', '/nodes'],
  ['GET', '/nodes/x'],
  ['DELETE', '/nodes/x?force=1'],
  ['POST', '/nodes/x/update', '{}'],
  ['POST', '/nodes/x/update?version=1', '{}'],
  ['GET', '/services'],
  ['GET', '/services?status=x'],
  ['GET', '/services?status=true'],
  ['GET', '/services/x?insertDefaults=x'],
  ['POST', '/services/create'],
  ['POST', '/services/create', '{}'],
  ['POST', '/services/create', '[]'],
  ['GET', '/services/x'],
  ['DELETE', '/services/x'],
  ['POST', '/services/x/update', '{}'],
  ['POST', '/services/x/update?version=1', '{}'],
  ['GET', '/services/x/logs'],
  ['GET', '/services/x/logs?stdout=1'],
  ['GET', '/tasks'],
  ['GET', '/tasks/x'],
  ['GET', '/tasks/x/logs'],
  ['GET', '/tasks/x/logs?stderr=1'],
]));

sameOnBoth('secret and config endpoints answer as outside a swarm', (t) => answers(t, [
  ['GET', '/secrets'],
  ['POST', '/secrets/create'],
  ['POST', '/secrets/create', '{}'],
  ['POST', '/v1.30/secrets/create', '{"Templating":{"Name":"x"}}'],
  ['GET', '/secrets/x'],
  ['DELETE', '/secrets/x'],
  ['POST', '/secrets/x/update', '{}'],
  ['POST', '/secrets/x/update?version=1', '{}'],
  ['GET', '/configs'],
  ['POST', '/configs/create', '{}'],
  ['POST', '/v1.30/configs/create', '{"Templating":{"Name":"x"}}'],
  ['GET', '/configs/x'],
  ['DELETE', '/configs/x'],
  ['POST', '/configs/x/update', '{}'],
  ['POST', '/configs/x/update?version=1', '{}'],
]));

sameOnBoth('plugin endpoints answer as an engine without plugins', (t) => answers(t, [
  ['GET', '/plugins'],
  ['GET', `/plugins?filters=${encodeURIComponent('{"capability":["volumedriver"]}')}`],
  ['GET', `/plugins?filters=${encodeURIComponent('{"x":["b"]}')}`],
  ['GET', `/plugins?filters=${encodeURIComponent('{"enabled":["b"]}')}`],
  ['GET', `/plugins?filters=${encodeURIComponent('{"enabled":["true"]}')}`],
  ['GET', '/plugins/privileges'],
  ['GET', '/plugins/foo/json'],
  ['GET', '/plugins/foo:latest/json'],
  ['GET', '/plugins/x/y/json'],
  ['DELETE', '/plugins/foo?force=1'],
  ['POST', '/plugins/foo/enable'],
  ['POST', '/plugins/foo/enable?timeout=0'],
  ['POST', '/plugins/foo/enable?timeout=x'],
  ['POST', '/plugins/foo/disable'],
  ['POST', '/plugins/foo/upgrade'],
  ['POST', '/plugins/foo/upgrade', '[]'],
  ['POST', '/plugins/foo/upgrade', '{}'],
  ['POST', '/plugins/foo/upgrade?remote=127.0.0.1:1/foo', '[]'],
  ['POST', '/plugins/pull'],
  ['POST', '/plugins/pull', '[]'],
  ['POST', '/plugins/pull?remote=foo', 'x'],
  ['POST', '/plugins/create'],
  ['POST', '/plugins/foo/push'],
  ['POST', '/plugins/foo/set'],
  ['POST', '/plugins/foo/set', '[]'],
  ['POST', '/plugins/foo/set', '{}'],
  ['POST', '/plugins/foo/set', 'x'],
]));

sameOnBoth('info() reports the swarm inactive in dockerd\'s shape', async (t) => {
  const info = (await apiRequest(t, 'GET', '/info')).body as { Swarm: unknown };
  return { Swarm: info.Swarm };
});
