import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadProject } from './load.ts';
import { createSpec, configHash } from './container-spec.ts';
import { renderConfig } from './config.ts';
import type { Project, ServiceConfig } from './model.ts';

/** A temp tree of files (paths may have folders); fn gets its root. */
async function withTree(files: Record<string, string>, fn: (root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'berth-compose-reuse-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      await mkdir(dirname(join(root, name)), { recursive: true });
      await writeFile(join(root, name), text);
    }
    await fn(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const svc = (p: Project, name: string): ServiceConfig => {
  const s = p.services.find((x) => x.name === name);
  assert.ok(s, `service ${name}`);
  return s;
};

test('extends from the same file merges the base under the service, through several levels', async () => {
  await withTree({
    'app/compose.yaml': `services:
  base:
    image: busybox
    user: root
    environment: {TZ: utc, PORT: "80"}
    command: ["sleep", "1"]
  common:
    extends: base
    environment: [PORT=81]
    volumes: ["./data:/data"]
  cli:
    extends: {service: common}
    environment: {PORT: "8080"}
    command: ["echo", "hi"]
`,
  }, async (root) => {
    const p = await loadProject({ cwd: join(root, 'app'), env: {} });
    const cli = svc(p, 'cli');
    assert.equal(cli.image, 'busybox');
    assert.equal(cli.raw['user'], 'root');
    assert.deepEqual(cli.environment, { TZ: 'utc', PORT: '8080' });
    assert.deepEqual(cli.command, ['echo', 'hi']);
    assert.deepEqual(cli.volumes.map((v) => v.source), [join(root, 'app', 'data')]);
    assert.equal(cli.raw['extends'], undefined);
  });
});

test('extends with a file resolves it next to the extending file and keeps the base\'s paths its own', async () => {
  await withTree({
    'app/compose.yaml': `services:
  web:
    extends: {file: ../common/web.yaml, service: webapp}
    ports: ["8080:80"]
`,
    'common/web.yaml': `services:
  webapp:
    build: ./ctx
    env_file: [./web.env]
    volumes: ["./html:/www:ro"]
    ports: ["8443:443"]
`,
    'common/web.env': 'FROM_FILE=yes\n',
  }, async (root) => {
    const p = await loadProject({ cwd: join(root, 'app'), env: {} });
    const web = svc(p, 'web');
    assert.equal(web.build?.context, join(root, 'common', 'ctx'));
    assert.deepEqual(web.environment, { FROM_FILE: 'yes' });
    assert.deepEqual(web.volumes.map((v) => [v.source, v.target, v.read_only]), [[join(root, 'common', 'html'), '/www', true]]);
    assert.deepEqual(web.ports.map((x) => x.published).sort(), ['8080', '8443']);
  });
});

test('extends refuses a missing base service and a cycle', async () => {
  await withTree({ 'a/compose.yaml': 'services:\n  x:\n    image: busybox\n    extends: nosuch\n' }, async (root) => {
    await assert.rejects(loadProject({ cwd: join(root, 'a'), env: {} }), /cannot extend service "x" in .*compose\.yaml: service "nosuch" not found/);
  });
  await withTree({ 'a/compose.yaml': 'services:\n  x: {image: busybox, extends: y}\n  y: {image: busybox, extends: x}\n' }, async (root) => {
    await assert.rejects(loadProject({ cwd: join(root, 'a'), env: {} }), /circular reference with extends/);
  });
});

test('include loads another application with its own directory and .env, the including environment winning', async () => {
  await withTree({
    'app/compose.yaml': `include:
  - ../db/compose.yaml
  - path: ../cache/compose.yaml
    env_file: ../cache/other.env
services:
  web:
    image: busybox
    depends_on: [db]
    networks: [back]
`,
    'db/compose.yaml': `services:
  db:
    image: "busybox:\${DB_TAG}"
    volumes: ["./init:/init", "dbdata:/var/lib/db"]
    networks: [back]
networks:
  back: {}
volumes:
  dbdata: {}
`,
    'db/.env': 'DB_TAG=from-db-env\nCACHE_TAG=ignored\n',
    'cache/compose.yaml': 'services:\n  cache:\n    image: "busybox:${CACHE_TAG}"\n',
    'cache/other.env': 'CACHE_TAG=from-other-env\n',
  }, async (root) => {
    const p = await loadProject({ cwd: join(root, 'app'), env: {} });
    assert.deepEqual(p.services.map((s) => s.name).sort(), ['cache', 'db', 'web']);
    const db = svc(p, 'db');
    assert.equal(db.image, 'busybox:from-db-env');
    assert.equal(db.volumes[0]?.source, join(root, 'db', 'init'));
    assert.equal(p.volumes['dbdata']?.name, `${p.name}_dbdata`);
    assert.equal(p.networks['back']?.name, `${p.name}_back`);
    assert.equal(svc(p, 'cache').image, 'busybox:from-other-env');
    const shell = await loadProject({ cwd: join(root, 'app'), env: { DB_TAG: 'from-shell' } });
    assert.equal(svc(shell, 'db').image, 'busybox:from-shell');
  });
});

test('include refuses a service defined on both sides', async () => {
  await withTree({
    'app/compose.yaml': 'include: [../other/compose.yaml]\nservices:\n  db: {image: busybox}\n',
    'other/compose.yaml': 'services:\n  db: {image: busybox}\n',
  }, async (root) => {
    await assert.rejects(loadProject({ cwd: join(root, 'app'), env: {} }), /imported compose file .*other\/compose\.yaml defines conflicting service db/);
  });
});

test('configs and secrets: file ones are read-only binds at /<name> and /run/secrets/<name>, targets as given', async () => {
  await withTree({
    'app/compose.yaml': `services:
  app:
    image: busybox
    configs:
      - site
      - source: inline
        target: /etc/inline.conf
        mode: 0440
    secrets:
      - pw
      - source: token
        target: api-token
configs:
  site: {file: ./site.conf}
  inline:
    content: "debug=\${DEBUG}"
secrets:
  pw: {file: ./pw.txt}
  token: {environment: TOKEN}
`,
    'app/site.conf': 'x=1\n',
    'app/pw.txt': 'hunter2\n',
  }, async (root) => {
    const p = await loadProject({ cwd: join(root, 'app'), env: { DEBUG: 'true', TOKEN: 't0k' } });
    const app = svc(p, 'app');
    assert.deepEqual(app.configs, [{ source: 'site', target: '/site' }, { source: 'inline', target: '/etc/inline.conf', mode: 0o440 }]);
    assert.deepEqual(app.secrets, [{ source: 'pw', target: '/run/secrets/pw' }, { source: 'token', target: '/run/secrets/api-token' }]);
    assert.equal(p.configs?.['inline']?.content, 'debug=true');
    assert.equal(p.secrets?.['token']?.environment, 'TOKEN');
    const body = createSpec(p, app, 1, { hash: configHash(app) }).body as { HostConfig: { Mounts: unknown[] } };
    assert.deepEqual(body.HostConfig.Mounts, [
      { Type: 'bind', Source: join(root, 'app', 'site.conf'), Target: '/site', ReadOnly: true },
      { Type: 'bind', Source: join(root, 'app', 'pw.txt'), Target: '/run/secrets/pw', ReadOnly: true },
    ]);
    assert.match(renderConfig(p), /secrets:\n {2}pw:\n {4}file: .*pw\.txt/);
  });
});

test('a grant of an undefined secret is refused', async () => {
  await withTree({ 'app/compose.yaml': 'services:\n  app:\n    image: busybox\n    secrets: [nosuch]\n' }, async (root) => {
    await assert.rejects(loadProject({ cwd: join(root, 'app'), env: {} }), /service "app" refers to undefined secret nosuch/);
  });
});
