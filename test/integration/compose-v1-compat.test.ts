// Debian's docker-compose 1.29 (python, docker-py) drives berthd through a
// project with a build, a published port and a named network: up -d, ps,
// a request through the published port, and down leaving nothing behind.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './acceptance-support.ts';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';

const skip = spawnSync('sh', ['-c', 'command -v docker-compose']).status !== 0 ? 'docker-compose (Debian package) is not installed' : undefined;

describe('docker-compose 1.29 against berthd', { skip: skip ?? false, timeout: 300_000 }, () => {
  let d: Daemon | undefined;
  let dir = '';

  const dc = async (args: readonly string[]) => {
    assert.ok(d);
    const r = await run('docker-compose', ['-p', 'v1', '--project-directory', dir, '-f', join(dir, 'docker-compose.yml'), ...args], { env: { ...d.env, COMPOSE_INTERACTIVE_NO_CLI: '1' }, timeoutMs: 180_000 });
    assert.equal(r.code, 0, `docker-compose ${args.join(' ')} failed (${r.code}): ${r.stderr}\n${d.logTail()}`);
    return r;
  };

  before(async () => {
    d = await startDaemon();
    await ensureBusybox(d);
    dir = mkdtempSync('/tmp/berth-compose-v1-');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nRUN mkdir /www && echo compose-v1-ok > /www/index.html\nCMD ["httpd", "-f", "-p", "80", "-h", "/www"]\n');
    writeFileSync(join(dir, 'docker-compose.yml'), `version: "3.8"
services:
  web:
    build: .
    ports: ["127.0.0.1:15480:80"]
    networks: [back]
  peer:
    image: busybox
    command: ["sleep", "300"]
    networks: [back]
networks:
  back: {}
`);
  });

  after(async () => {
    if (d && dir) await run('docker-compose', ['-p', 'v1', '-f', join(dir, 'docker-compose.yml'), 'down', '-t', '0'], { env: d.env }).catch(() => undefined);
    await d?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a container disconnected from its only network keeps its network mode, has no networks and can be connected again', async () => {
    assert.ok(d);
    const b = async (args: readonly string[]) => {
      const r = await d!.berth(args);
      assert.equal(r.code, 0, `berth ${args.join(' ')}: ${r.stderr}`);
      return r.stdout.trim();
    };
    await b(['network', 'create', 'v1dc-a']);
    await b(['network', 'create', 'v1dc-b']);
    try {
      await b(['create', '--name', 'v1dc', '--network', 'v1dc-a', 'busybox', 'sleep', '300']);
      await b(['network', 'disconnect', 'v1dc-a', 'v1dc']);
      assert.equal(await b(['inspect', '-f', '{{.HostConfig.NetworkMode}} {{json .NetworkSettings.Networks}}', 'v1dc']), 'v1dc-a {}');
      await b(['network', 'connect', 'v1dc-b', 'v1dc']);
      assert.equal(await b(['inspect', '-f', '{{.HostConfig.NetworkMode}} {{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', 'v1dc']), 'v1dc-a v1dc-b');
      await b(['start', 'v1dc']);
      assert.match(await b(['exec', 'v1dc', 'ip', '-o', '-4', 'addr']), /eth0/);
      // Running, disconnected from everything: only loopback is left.
      await b(['network', 'disconnect', 'v1dc-b', 'v1dc']);
      const addrs = await b(['exec', 'v1dc', 'ip', '-o', '-4', 'addr']);
      assert.doesNotMatch(addrs, /eth\d/);
      assert.match(addrs, /127\.0\.0\.1/);
      assert.equal(await b(['inspect', '-f', '{{.HostConfig.NetworkMode}} {{json .NetworkSettings.Networks}}', 'v1dc']), 'v1dc-a {}');
      // Connected again while running: the mode's network is back, live.
      await b(['network', 'connect', 'v1dc-a', 'v1dc']);
      assert.match(await b(['exec', 'v1dc', 'ip', '-o', '-4', 'addr']), /eth\d/);
      assert.equal(await b(['inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', 'v1dc']), 'v1dc-a');
    } finally {
      await d.berth(['rm', '-f', 'v1dc']);
      await d.berth(['network', 'rm', 'v1dc-a', 'v1dc-b']);
    }
  });

  // docker-compose 1.29 disconnects a created container from its only network and
  // connects it again with aliases; as in docker, the network mode stays meanwhile.
  test('up -d builds, publishes and networks the services; down removes them', async () => {
    assert.ok(d);
    await dc(['up', '-d']);
    const mode = await d.berth(['inspect', '-f', '{{.HostConfig.NetworkMode}} {{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{join $v.Aliases ","}}{{end}}', 'v1_web_1']);
    assert.match(mode.stdout.trim(), /^v1_back v1_back .*\bweb\b/, mode.stderr);
    const ps = await dc(['ps']);
    assert.match(ps.stdout, /v1_web_1/);
    let body = '';
    for (let i = 0; i < 50 && body === ''; i++) {
      body = await fetch('http://127.0.0.1:15480/').then((r) => r.text()).catch(() => '');
      if (body === '') await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(body.trim(), 'compose-v1-ok');
    const ping = await d.berth(['exec', 'v1_peer_1', 'wget', '-qO-', 'http://web/']);
    assert.equal(ping.stdout.trim(), 'compose-v1-ok', ping.stderr);
    await dc(['down', '-t', '0']);
    const left = await d.berth(['ps', '-aq']);
    assert.equal(left.stdout.trim(), '');
    const nets = await d.berth(['network', 'ls', '--format', '{{.Name}}']);
    assert.ok(!nets.stdout.includes('v1_back'), nets.stdout);
  });
});
