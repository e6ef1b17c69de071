// The swarm and plugin endpoints answer as a dockerd that is not in a swarm and
// has no plugins (texts checked against dockerd 20.10; see
// test/clients/api-swarm-plugins.test.ts for the differential run).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine } from '../engine/index.ts';
import { log, setLogSink } from '../lib/logger.ts';
import { createApiServer, type ApiServer } from './server.ts';
import { notSwarmManager, notInSwarm } from './routes/swarm.ts';

let dir: string;
let sock: string;
let api: ApiServer;

before(async () => {
  setLogSink(() => undefined);
  dir = await mkdtemp(join(tmpdir(), 'berth-swarm-'));
  sock = join(dir, 'api.sock');
  // These routes never reach the engine.
  api = createApiServer({ engine: {} as Engine, log });
  await api.listenUnix(sock);
});

after(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

function call(method: string, path: string, body?: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: sock, method, path, headers: body !== undefined ? { 'Content-Type': 'application/json' } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) as unknown }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const cases: [method: string, path: string, body: string | undefined, status: number, message: string][] = [
  ['GET', '/v1.41/swarm', undefined, 503, notSwarmManager],
  ['POST', '/swarm/leave?force=1', undefined, 503, notInSwarm],
  ['GET', '/swarm/unlockkey', undefined, 503, notSwarmManager],
  ['POST', '/swarm/unlock', undefined, 400, 'got EOF while reading request body'],
  ['POST', '/swarm/update', '{}', 400, `invalid swarm version '': strconv.ParseUint: parsing "": invalid syntax`],
  ['POST', '/swarm/update?version=1&rotateWorkerToken=x', '{}', 400, 'invalid value for rotateWorkerToken: x'],
  ['POST', '/swarm/update?version=1', '{}', 503, notSwarmManager],
  ['POST', '/swarm/init', '[]', 400, 'json: cannot unmarshal array into Go value of type swarm.InitRequest'],
  ['POST', '/swarm/init', '{}', 501, 'berth does not implement swarm mode (POST /swarm/init); it is a single-host engine'],
  ['GET', '/nodes', undefined, 503, notSwarmManager],
  ['GET', '/nodes?filters=bad', undefined, 400, "invalid character 'b' looking for beginning of value"],
  ['DELETE', '/nodes/x?force=1', undefined, 503, notSwarmManager],
  ['POST', '/nodes/x/update?version=2', '{}', 503, notSwarmManager],
  ['GET', '/services?status=x', undefined, 400, 'invalid value for status: x: strconv.ParseBool: parsing "x": invalid syntax'],
  ['POST', '/services/create', 'x', 400, "invalid character 'x' looking for beginning of value"],
  ['POST', '/services/create', '{}', 503, notSwarmManager],
  ['POST', '/services/x/update', '{}', 400, `invalid service version '': strconv.ParseUint: parsing "": invalid syntax`],
  ['GET', '/services/x/logs', undefined, 500, 'Bad parameters: you must choose at least one stream'],
  ['GET', '/tasks/x/logs?stdout=1', undefined, 503, notSwarmManager],
  ['GET', '/tasks/x', undefined, 503, notSwarmManager],
  ['POST', '/v1.30/secrets/create', '{"Templating":{"Name":"x"}}', 400, 'secret templating is not supported on the specified API version: 1.30'],
  ['POST', '/secrets/x/update', '{}', 400, 'invalid secret version'],
  ['DELETE', '/configs/x', undefined, 503, notSwarmManager],
  ['POST', '/configs/x/update?version=3', '{}', 503, notSwarmManager],
  ['GET', '/plugins/foo/json', undefined, 404, 'plugin "foo" not found'],
  ['GET', '/plugins/privileges', undefined, 500, 'invalid reference format'],
  ['GET', '/plugins?filters={"x":["b"]}', undefined, 400, "Invalid filter 'x'"],
  ['GET', '/plugins?filters={"enabled":["b"]}', undefined, 400, "Invalid filter 'enabled=[b]'"],
  ['POST', '/plugins/foo/enable?timeout=x', undefined, 500, 'strconv.Atoi: parsing "x": invalid syntax'],
  ['POST', '/plugins/foo/enable?timeout=0', undefined, 404, 'plugin "foo" not found'],
  ['POST', '/plugins/pull?remote=foo', '{}', 500, 'failed to parse privileges: json: cannot unmarshal object into Go value of type types.PluginPrivileges'],
  ['POST', '/plugins/pull?remote=foo', '[]', 501, 'berth does not implement managed plugins (POST /plugins/pull)'],
  ['POST', '/plugins/foo/upgrade?remote=foo', '[]', 404, 'plugin "foo:latest" not found'],
  ['POST', '/plugins/foo/set', '{}', 400, 'json: cannot unmarshal object into Go value of type []string'],
  ['POST', '/plugins/foo/set', '["A=1"]', 404, 'plugin "foo" not found'],
  ['DELETE', '/plugins/x/y', undefined, 404, 'plugin "x/y" not found'],
  ['PUT', '/volumes/v', '{}', 503, 'volume update only valid for cluster volumes, but swarm is unavailable'],
  ['PUT', '/v1.41/volumes/v', '{}', 404, 'page not found'],
];

for (const [method, path, body, status, message] of cases) {
  test(`${method} ${path}${body !== undefined ? ` ${body}` : ''} answers ${status} "${message.slice(0, 40)}"`, async () => {
    assert.deepEqual(await call(method, path, body), { status, body: { message } });
  });
}

test('GET /plugins of an engine without plugins is an empty list', async () => {
  assert.deepEqual(await call('GET', '/plugins?filters={"capability":["volumedriver"]}'), { status: 200, body: [] });
});
