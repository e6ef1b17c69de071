import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProject, normaliseProjectName } from './load.ts';
import { renderConfig } from './config.ts';
import { createSpec, configHash } from './container-spec.ts';

async function withDir(files: Record<string, string>, fn: (dir: string) => Promise<void>, sub = 'My_App.Dir'): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'berth-compose-'));
  const dir = join(root, sub);
  await mkdir(dir);
  try {
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    await fn(dir);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test('the directory name is normalised into the project name as Compose does', () => {
  assert.equal(normaliseProjectName('My_App.Dir'), 'my_appdir');
  assert.equal(normaliseProjectName('-Foo Bar'), 'foobar');
});

test('the project name comes from -p, then COMPOSE_PROJECT_NAME, then name:, then the directory', async () => {
  await withDir({ 'compose.yaml': 'name: ${N:-fromfile}\nservices: {a: {image: busybox}}\n' }, async (dir) => {
    assert.equal((await loadProject({ cwd: dir, env: {} })).name, 'fromfile');
    assert.equal((await loadProject({ cwd: dir, env: { N: 'interp' } })).name, 'interp');
    assert.equal((await loadProject({ cwd: dir, env: { COMPOSE_PROJECT_NAME: 'envname' } })).name, 'envname');
    assert.equal((await loadProject({ cwd: dir, env: {}, projectName: 'flag' })).name, 'flag');
  });
  await withDir({ 'docker-compose.yml': 'services: {a: {image: busybox}}\n' }, async (dir) => {
    assert.equal((await loadProject({ cwd: dir, env: {} })).name, 'my_appdir');
  });
});

test('.env feeds interpolation and the shell environment wins over it', async () => {
  await withDir({ '.env': 'TAG=1.0\nPORT=80\n', 'compose.yaml': 'services:\n  a:\n    image: "busybox:${TAG}"\n    ports: ["${PORT}:80"]\n' }, async (dir) => {
    const p = await loadProject({ cwd: dir, env: { PORT: '81' } });
    assert.equal(p.services[0]?.image, 'busybox:1.0');
    assert.equal(p.services[0]?.ports[0]?.published, '81');
  });
});

test('several -f files merge in order and the override file is read by default', async () => {
  await withDir({
    'compose.yaml': 'services: {a: {image: busybox, command: ["echo", "1"], environment: [X=1]}}\n',
    'compose.override.yaml': 'services: {a: {command: echo 2, environment: {Y: "2"}}}\n',
    'other.yaml': 'services: {b: {image: busybox}}\n',
  }, async (dir) => {
    const p = await loadProject({ cwd: dir, env: {} });
    assert.deepEqual(p.services[0]?.command, ['echo', '2']);
    assert.deepEqual(p.services[0]?.environment, { X: '1', Y: '2' });
    assert.equal(p.configFiles.length, 2);
    const q = await loadProject({ cwd: dir, env: {}, files: ['compose.yaml', 'other.yaml'] });
    assert.deepEqual(q.services.map((s) => s.name), ['a', 'b']);
  });
});

test('validation errors name the file and the key path', async () => {
  await withDir({ 'compose.yaml': 'services:\n  web:\n    image: busybox\n    ports: 5\n' }, async (dir) => {
    await assert.rejects(loadProject({ cwd: dir, env: {} }), /validating .*compose\.yaml: services\.web\.ports must be a array/);
  });
  await withDir({ 'compose.yaml': 'services:\n  web:\n    image: busybox\n    bogus: 1\n' }, async (dir) => {
    await assert.rejects(loadProject({ cwd: dir, env: {} }), /services\.web additional properties 'bogus' not allowed/);
  });
});

test('profiles leave out services unless their profile is active', async () => {
  await withDir({ 'compose.yaml': 'services:\n  a: {image: busybox}\n  dbg: {image: busybox, profiles: [debug]}\n' }, async (dir) => {
    assert.deepEqual((await loadProject({ cwd: dir, env: {} })).services.map((s) => s.name), ['a']);
    assert.deepEqual((await loadProject({ cwd: dir, env: {}, profiles: ['debug'] })).services.map((s) => s.name), ['a', 'dbg']);
    assert.deepEqual((await loadProject({ cwd: dir, env: { COMPOSE_PROFILES: 'debug' } })).services.map((s) => s.name), ['a', 'dbg']);
  });
});

test('binds resolve against the project directory and named volumes get the project prefix', async () => {
  await withDir({ 'compose.yaml': 'services:\n  a:\n    image: busybox\n    volumes: ["./data:/data:ro", "v:/v", {type: bind, source: ./x, target: /x}]\nvolumes: {v: {}}\n' }, async (dir) => {
    const p = await loadProject({ cwd: dir, env: {} });
    const s = p.services[0];
    assert.ok(s);
    assert.deepEqual(s.volumes.map((v) => [v.type, v.source, v.target, v.read_only ?? false]), [
      ['bind', join(dir, 'data'), '/data', true], ['volume', 'v', '/v', false], ['bind', join(dir, 'x'), '/x', false],
    ]);
    const spec = createSpec(p, s, 1, { hash: configHash(s) });
    const mounts = (spec.body['HostConfig'] as { Mounts: { Source: string }[] }).Mounts;
    assert.equal(mounts[1]?.Source, 'my_appdir_v');
  });
});

test('bind.recursive maps to BindOptions as Docker Compose maps it (disabled, writable, readonly; enabled sends nothing)', async () => {
  const vol = (target: string, recursive: string) => `{type: bind, source: ./x, target: ${target}, read_only: true, bind: {recursive: ${recursive}}}`;
  await withDir({ 'compose.yaml': `services:\n  a:\n    image: busybox\n    volumes: [${vol('/e', 'enabled')}, ${vol('/d', 'disabled')}, ${vol('/w', 'writable')}, ${vol('/r', 'readonly')}, {type: bind, source: ./x, target: /c, bind: {create_host_path: true, recursive: writable}}]\n` }, async (dir) => {
    const p = await loadProject({ cwd: dir, env: {} });
    const s = p.services[0];
    assert.ok(s);
    assert.deepEqual(s.volumes.map((v) => v.bind?.recursive), ['enabled', 'disabled', 'writable', 'readonly', 'writable']);
    const mounts = (createSpec(p, s, 1, { hash: 'h' }).body['HostConfig'] as { Mounts: { BindOptions?: unknown }[] }).Mounts;
    assert.deepEqual(mounts.map((m) => m.BindOptions), [
      undefined, { NonRecursive: true }, { ReadOnlyNonRecursive: true }, { ReadOnlyForceRecursive: true }, { CreateMountpoint: true, ReadOnlyNonRecursive: true },
    ]);
  });
  await withDir({ 'compose.yaml': `services:\n  a:\n    image: busybox\n    volumes: [${vol('/e', 'sometimes')}]\n` }, async (dir) => {
    await assert.rejects(loadProject({ cwd: dir, env: {} }), /recursive/);
  });
});

test('a replica create body carries Compose labels, limits, ports and the network aliases (name, service, hostname)', async () => {
  await withDir({ 'compose.yaml': 'name: p4\nservices:\n  dn:\n    image: busybox\n    hostname: boss\n    ports: ["127.0.0.1:5000-5002:5440"]\n    deploy: {replicas: 3, resources: {limits: {memory: 256m, cpus: "0.5"}}}\n    restart: on-failure:3\n    healthcheck: {test: "true", interval: 2s}\n' }, async (dir) => {
    const p = await loadProject({ cwd: dir, env: {} });
    const s = p.services[0];
    assert.ok(s);
    assert.equal(s.scale, 3);
    const spec = createSpec(p, s, 2, { hash: 'h' });
    assert.equal(spec.name, 'p4-dn-2');
    const b = spec.body as Record<string, any>;
    assert.equal(b['Labels']['com.docker.compose.project'], 'p4');
    assert.equal(b['Labels']['com.docker.compose.container-number'], '2');
    assert.equal(b['Labels']['com.docker.compose.oneoff'], 'False');
    assert.equal(b['Hostname'], 'boss');
    assert.equal(b['HostConfig']['Memory'], 268435456);
    assert.equal(b['HostConfig']['NanoCpus'], 500000000);
    assert.deepEqual(b['HostConfig']['RestartPolicy'], { Name: 'on-failure', MaximumRetryCount: 3 });
    assert.deepEqual(b['HostConfig']['PortBindings'], { '5440/tcp': [{ HostIp: '127.0.0.1', HostPort: '5001' }] });
    assert.equal(b['HostConfig']['NetworkMode'], 'p4_default');
    assert.deepEqual(b['NetworkingConfig']['EndpointsConfig']['p4_default']['Aliases'], ['p4-dn-2', 'dn', 'boss']);
    assert.deepEqual(b['Healthcheck'], { Test: ['CMD-SHELL', 'true'], Interval: 2e9 });
  });
});

test('config prints the normalised model with name first', async () => {
  await withDir({ 'compose.yaml': 'services: {a: {image: busybox, command: echo hi}}\n' }, async (dir) => {
    const text = renderConfig(await loadProject({ cwd: dir, env: {} }));
    assert.match(text, /^name: my_appdir\nservices:\n  a:\n    command:\n      - echo\n      - hi\n/);
    assert.match(text, /networks:\n  default:\n    name: my_appdir_default\n/);
  });
});
