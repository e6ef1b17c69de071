import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dependencyOrder, selectServices } from './up.ts';
import type { Project, ServiceConfig } from './model.ts';

function svc(name: string, deps: string[] = []): ServiceConfig {
  return {
    name, image: 'busybox', environment: {}, labels: {}, ports: [], volumes: [], networks: { default: null }, profiles: [], scale: 1, raw: {},
    depends_on: Object.fromEntries(deps.map((d) => [d, { condition: 'service_started' as const, required: true }])),
  };
}

const project = (services: ServiceConfig[]): Project => ({
  name: 'p', workingDir: '/tmp', configFiles: [], services, disabled: [], networks: {}, volumes: {}, environment: {},
});

test('services are ordered after the services they depend on', () => {
  const order = dependencyOrder([svc('web', ['api']), svc('api', ['db']), svc('db'), svc('cache')]).map((s) => s.name);
  assert.ok(order.indexOf('db') < order.indexOf('api') && order.indexOf('api') < order.indexOf('web'), order.join(','));
  assert.equal(order.length, 4);
});

test('a dependency cycle is refused, naming the cycle', () => {
  assert.throws(() => dependencyOrder([svc('a', ['b']), svc('b', ['a'])]), /dependency cycle detected: a -> b -> a/);
});

test('naming services selects their dependencies too unless --no-deps', () => {
  const p = project([svc('web', ['api']), svc('api', ['db']), svc('db'), svc('cache')]);
  assert.deepEqual(selectServices(p, ['web']).map((s) => s.name), ['web', 'api', 'db']);
  assert.deepEqual(selectServices(p, ['web'], true).map((s) => s.name), ['web']);
  assert.throws(() => selectServices(p, ['nope']), /no such service: nope/);
});
