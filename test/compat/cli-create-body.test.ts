// Compatibility: what the docker v28 CLI and the berth CLI send for `create`
// with the network flags (repeated --network/--net, the csv form, the
// single-network flags, --link) and the bind mount flags (`-v` modes,
// `--mount` bind-recursive), and what they print when they refuse them.
// Both CLIs talk to a recording socket that answers like an engine at API
// 1.47 and keeps each create body; the network parts of the two bodies (and
// the exit codes and messages, "berth" read as "docker") must be equal.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { berthBin, run } from '../integration/acceptance-support.ts';

const docker = '/usr/local/bin/docker';
const dir = mkdtempSync('/tmp/berth-test-create-body-');
const socket = join(dir, 'engine.sock');
let bodies: unknown[] = [];
let server: Server;

before(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => { text += d.toString(); });
    req.on('end', () => {
      const path = (req.url ?? '').replace(/^\/v[\d.]+/, '').split('?')[0];
      const headers = { 'Content-Type': 'application/json', 'Api-Version': '1.47', Ostype: 'linux' };
      if (path === '/_ping') {
        res.writeHead(200, { ...headers, 'Content-Type': 'text/plain' });
        res.end('OK');
      } else if (path === '/version') {
        res.writeHead(200, headers);
        res.end(JSON.stringify({ ApiVersion: '1.47', MinAPIVersion: '1.24', Os: 'linux', Version: '27.0.0' }));
      } else if (path === '/info') {
        res.writeHead(200, headers);
        res.end(JSON.stringify({ OSType: 'linux' }));
      } else if (path === '/containers/create') {
        bodies.push(JSON.parse(text));
        res.writeHead(201, headers);
        res.end(JSON.stringify({ Id: 'f'.repeat(64), Warnings: [] }));
      } else {
        res.writeHead(404, headers);
        res.end(JSON.stringify({ message: `not here: ${path}` }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

/** The network parts of a create body, zero values dropped (the docker CLI sends every field of a Go struct). */
function networkPart(body: unknown): unknown {
  const b = body as { HostConfig?: { NetworkMode?: string; Links?: string[] | null }; NetworkingConfig?: { EndpointsConfig?: Record<string, Record<string, unknown>> } | null };
  const endpoints: Record<string, Record<string, unknown>> = {};
  for (const [name, ep] of Object.entries(b.NetworkingConfig?.EndpointsConfig ?? {})) {
    const kept = Object.fromEntries(Object.entries(ep ?? {}).filter(([, v]) => v !== null && v !== '' && v !== 0 && !(Array.isArray(v) && v.length === 0)));
    // The docker CLI names the default network's endpoint even when it is empty; the engine makes it all the same.
    if (name === 'default' && Object.keys(kept).length === 0) continue;
    endpoints[name] = kept;
  }
  return { NetworkMode: b.HostConfig?.NetworkMode, Links: b.HostConfig?.Links ?? null, Endpoints: endpoints };
}

/** A value with its zero values (null, '', false, 0, [], {}) dropped, as Go's omitempty would. */
function nonZero(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map(nonZero);
  if (typeof v === 'object' && v !== null) {
    const kept = Object.entries(v).map(([k, x]) => [k, nonZero(x)] as const).filter(([, x]) => x !== undefined);
    return kept.length === 0 ? undefined : Object.fromEntries(kept);
  }
  return v === null || v === '' || v === false || v === 0 ? undefined : v;
}

/** The mount parts of a create body (Binds, sorted: the docker CLI sends them in its map's random order, and Mounts), zero values dropped. */
function mountPart(body: unknown): unknown {
  const h = (body as { HostConfig?: { Binds?: string[] | null; Mounts?: unknown } }).HostConfig;
  return { Binds: nonZero(h?.Binds ? [...h.Binds].sort() : null) ?? null, Mounts: nonZero(h?.Mounts) ?? null };
}

async function create(cli: string, args: readonly string[]): Promise<{ code: number; stderr: string; network?: unknown; mounts?: unknown }> {
  bodies = [];
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: join(dir, 'config'), BERTH_NO_AUTOSTART: '1' };
  delete env['DOCKER_API_VERSION'];
  const r = await run(cli, ['create', ...args, 'busybox'], { env });
  const sent = bodies[0];
  return { code: r.code, stderr: r.stderr.replaceAll('berth', 'docker').replace(/^time="[^"]+"/gm, 'time="(when)"'), ...(sent !== undefined ? { network: networkPart(sent), mounts: mountPart(sent) } : {}) };
}

const cases: readonly (readonly string[])[] = [
  [],
  ['--network', 'n1'],
  ['--net', 'n1'],
  ['--network', 'n1', '--network', 'n2'],
  ['--net', 'n1', '--network=n2', '--net=n3'],
  ['--network', 'host', '--network', 'none'],
  ['--network', 'container:other'],
  ['--network', 'NAME=N1,Alias=A'],
  ['--network', 'name=n1, alias = Y '],
  ['--network', 'name=n1,"alias=x"'],
  ['--network', 'name=n1,alias=x,ip=10.0.0.2,ip6=fd00::2,mac-address=02:42:ac:11:00:02,link-local-ip=169.254.1.1,driver-opt=a=b,gw-priority=5'],
  ['--network', 'name=n1,alias=a,alias=b', '--network', 'n2'],
  ['--network', 'n1', '--network-alias', 'a', '--ip', '10.0.0.9', '--ip6', 'fd00::9', '--link-local-ip', '169.254.3.3'],
  ['--network', 'n1', '--network', 'n2', '--net-alias', 'a'],
  ['--network', 'n1', '--link', 'a:b'],
  ['--link', 'a:b'],
  ['--network', 'n1='],
  // refused
  ['--network', 'n1', '--network', 'none'],
  ['--net', 'n1', '--network', 'n1'],
  ['--network', 'name=n1,alias=a', '--network-alias', 'b'],
  ['--network', 'name=n1,ip=10.0.0.2', '--ip', '10.0.0.3'],
  ['--network', 'name=none,alias=a'],
  ['--network', 'bridge', '--network-alias', 'a'],
  ['--network', 'name=n1,mac-address=zz'],
  ['--network', 'name=x,foo=1'],
  ['--net', 'name=x,foo=1'],
  ['--network', 'name=n1,ALIAS'],
  ['--network', 'alias=a'],
  ['--network', 'name=n1,gw-priority=x'],
  ['--network', 'name=n1,gw-priority=99999999999999999999'],
  ['--network', 'name=n1,driver-opt=x'],
  ['--network', 'name=n1,alias=a"b'],
  ['--network', 'name=n1,"alias=x"y'],
  // bind mounts: -v modes go to the engine as they are; --mount bind-recursive (API 1.44)
  ['-v', '/tmp:/a:ro', '-v', '/tmp:/b:rro', '-v', '/tmp:/c:ro-non-recursive', '-v', '/tmp:/d:ro-force-recursive,rprivate'],
  ['--mount', 'type=bind,src=/tmp,dst=/m,readonly,bind-recursive=writable'],
  ['--mount', 'type=bind,src=/tmp,dst=/m,readonly,bind-recursive=readonly,bind-propagation=rprivate'],
  ['--mount', 'type=bind,src=/tmp,dst=/m,bind-recursive=enabled'],
  ['--mount', 'type=bind,src=/tmp,dst=/m,bind-recursive=disabled'],
  ['--mount', 'type=bind,src=/tmp,dst=/m,ro=true,bind-recursive=writable,bind-propagation=rslave'],
  // refused
  ['--mount', 'type=bind,src=/tmp,dst=/m,bind-recursive=writable'],
  ['--mount', 'type=bind,src=/tmp,dst=/m,bind-recursive=readonly,bind-propagation=rprivate'],
  ['--mount', 'type=bind,src=/tmp,dst=/m,readonly,bind-recursive=readonly'],
  ['--mount', 'type=bind,src=/tmp,dst=/m,readonly,bind-recursive=readonly,bind-propagation=rshared'],
  ['--mount', 'type=bind,src=/tmp,dst=/m,bind-recursive=true'],
  ['--mount', 'type=bind,src=/tmp,dst=/m,bind-recursive=yes'],
  ['--mount', 'type=bind,src=/tmp,dst=/m,bind-nonrecursive'],
  ['--mount', 'type=bind,src=/tmp,dst=/m,bind-nonrecursive=true'],
  ['--mount', 'type=volume,dst=/m,bind-recursive=writable'],
];

for (const args of cases) {
  test(`create ${args.join(' ') || '(no network flag)'}: berth sends and prints what docker v28 does`, async () => {
    const want = await create(docker, args);
    const got = await create(berthBin, args);
    assert.deepEqual(got, want);
  });
}
