// berth compose drives only the Engine API, so it must work against a real
// dockerd too: a private dockerd (no default bridge, no iptables) runs a
// two-service project on its own network; `compose ps` and `down` see exactly
// the containers Docker Compose's labels name.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { berthBin, busyboxTar, run, startPrivateDockerd, type PrivateDockerd } from './acceptance-support.ts';

describe('berth compose against a real dockerd', { timeout: 300_000 }, () => {
  let dockerd: PrivateDockerd | undefined;
  let dir = '';
  let file = '';

  const compose = async (args: readonly string[]) => {
    assert.ok(dockerd);
    const r = await run(berthBin, ['compose', '-f', file, ...args], { env: { ...dockerd.env, BERTH_NO_AUTOSTART: '1' }, timeoutMs: 120_000 });
    assert.equal(r.code, 0, `berth compose ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    dockerd = await startPrivateDockerd();
    const imp = await dockerd.docker(['import', '-', 'busybox:latest'], { input: busyboxTar() });
    assert.equal(imp.code, 0, imp.stderr);
    dir = mkdtempSync('/tmp/berth-compose-docker-');
    file = join(dir, 'compose.yaml');
    writeFileSync(file, `name: dk
services:
  server:
    image: busybox
    command: ["sleep", "300"]
    deploy: {replicas: 2}
  client:
    image: busybox
    command: ["sleep", "300"]
    depends_on: [server]
`);
  });

  after(async () => {
    if (dockerd && file) await run(berthBin, ['compose', '-f', file, 'down', '-t', '0'], { env: dockerd.env }).catch(() => undefined);
    await dockerd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('up -d, ps and down work through the Engine API of dockerd', async () => {
    assert.ok(dockerd);
    await compose(['up', '-d']);
    const names = (await compose(['ps', '--format', '{{.Name}} {{.Service}}'])).trim().split('\n');
    assert.deepEqual(names, ['dk-client-1 client', 'dk-server-1 server', 'dk-server-2 server']);
    const labels = await dockerd.docker(['inspect', '-f', '{{index .Config.Labels "com.docker.compose.service"}} {{.HostConfig.NetworkMode}}', 'dk-server-2']);
    assert.equal(labels.stdout.trim(), 'server dk_default');
    await compose(['down', '-t', '0']);
    const left = await dockerd.docker(['ps', '-aq']);
    assert.equal(left.stdout.trim(), '');
    const nets = await dockerd.docker(['network', 'ls', '--format', '{{.Name}}']);
    assert.ok(!nets.stdout.includes('dk_default'), nets.stdout);
  });
});
