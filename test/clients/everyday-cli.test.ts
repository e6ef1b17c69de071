// Everyday docker CLI commands whose answers once differed from dockerd's:
// ps filters by volume, network, published and exposed port and is-task; an
// `-e NAME` whose NAME is unset where the CLI runs; resolv.conf with --dns;
// logs --tail with a value that is not a count.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clientTargets, dockerCli, dockerPy, sameOnBoth, type RunResult, type Target } from './harness.ts';

clientTargets();

const brief = (r: RunResult) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr });
const docker = (t: Target, args: string[]) => dockerCli(t, args);

sameOnBoth('docker ps filters by volume, network, publish, expose and is-task', async (t) => {
  await docker(t, ['network', 'create', 'pf-net']);
  await docker(t, ['volume', 'create', 'pf-vol']);
  await docker(t, ['create', '--name', 'pf-a', '-v', 'pf-vol:/data', '--network', 'pf-net', '-p', '127.0.0.1:18081:80', '--expose', '9000/udp', 'busybox']);
  await docker(t, ['create', '--name', 'pf-b', '-v', '/tmp:/hosttmp', '--network', 'none', 'busybox']);
  await docker(t, ['create', '--name', 'pf-c', 'busybox']);
  await docker(t, ['run', '-d', '--name', 'pf-r', '--network', 'pf-net', '-p', '127.0.0.1:18082:8080/udp', '--expose', '7000', '-p', '127.0.0.1::9090', 'busybox', 'sleep', '300']);
  const names = async (...filters: string[]) => brief(await docker(t, ['ps', '-a', ...filters.flatMap((f) => ['--filter', f]), '--format', '{{.Names}}']));
  const netId = (await docker(t, ['network', 'inspect', '-f', '{{.Id}}', 'pf-net'])).stdout.trim();
  return {
    'volume by name': await names('volume=pf-vol'),
    'volume by destination': await names('volume=/data'),
    'volume by bind source': await names('volume=/tmp'),
    'volume none': await names('volume=/nowhere'),
    'network by name': await names('network=pf-net'),
    'network by id prefix': await names(`network=${netId.slice(0, 6)}`),
    'network none': await names('network=none'),
    'network bridge': await names('network=bridge'),
    'publish 80': await names('publish=80'),
    'publish 80/tcp': await names('publish=80/tcp'),
    'publish range': await names('publish=79-81'),
    'publish 80/udp': await names('publish=80/udp'),
    'publish 8080/udp': await names('publish=8080/udp'),
    'publish 18082/udp': await names('publish=18082/udp'),
    'publish 18082': await names('publish=18082'),
    'publish 18000-18100/udp': await names('publish=18000-18100/udp'),
    'publish 9090': await names('publish=9090'),
    'publish 7000': await names('publish=7000'),
    'expose 7000': await names('expose=7000'),
    'expose 8080/udp': await names('expose=8080/udp'),
    'expose 9000/udp': await names('expose=9000/udp'),
    'expose 9000': await names('expose=9000'),
    'is-task false': await names('is-task=false'),
    'is-task true': await names('is-task=true'),
    'two keys AND': await names('network=pf-net', 'volume=/hosttmp'),
    'two values OR': await names('volume=/data', 'volume=/hosttmp'),
    'bad publish': (await docker(t, ['ps', '--filter', 'publish=a:b'])).code !== 0,
  };
}, {
  expect: (r) => {
    assert.equal(r['volume by name'].stdout, 'pf-a\n');
    assert.equal(r['network by id prefix'].stdout, 'pf-r\n');
    assert.equal(r['publish 18082/udp'].stdout, 'pf-r\n');
    assert.equal(r['expose 7000'].stdout, 'pf-r\n');
    assert.equal(r['is-task true'].stdout, '');
  },
});

sameOnBoth('-e NAME with NAME unset where the CLI runs unsets it, in run and in exec', async (t) => {
  const env = { ...t.env };
  delete env['BERTH_UNSET_VAR'];
  const d = (args: string[]) => dockerCli(t, args, { env });
  const run = brief(await d(['run', '--rm', '-e', 'BERTH_UNSET_VAR', 'busybox', 'sh', '-c', 'echo ${BERTH_UNSET_VAR-unset}']));
  await d(['run', '-d', '--name', 'env-x', '-e', 'KEEP=1', 'busybox', 'sleep', '300']);
  return {
    run,
    exec: brief(await d(['exec', '-e', 'KEEP', '-e', 'BERTH_UNSET_VAR', 'env-x', 'sh', '-c', 'echo ${KEEP-unset} ${BERTH_UNSET_VAR-unset}'])),
    inspect: brief(await d(['inspect', '-f', '{{json .Config.Env}}', 'env-x'])),
  };
}, {
  expect: (r) => assert.deepEqual(r.run, { code: 0, stdout: 'unset\n', stderr: '' }),
});

sameOnBoth('--dns and --dns-search build resolv.conf as dockerd does', async (t) => ({
  dns: brief(await docker(t, ['run', '--rm', '--dns', '9.9.9.9', '--dns-search', 'example.com', '--dns-option', 'ndots:2', 'busybox', 'cat', '/etc/resolv.conf'])),
}), {
  expect: (r) => assert.equal(r.dns.stdout, 'search example.com\nnameserver <ip>\noptions ndots:2\n'),
});

sameOnBoth('logs --tail with a value that is not a count shows every line', async (t) => {
  await docker(t, ['run', '--name', 'tail-x', 'busybox', 'sh', '-c', 'echo one; echo two; echo three']);
  return {
    x: brief(await docker(t, ['logs', '--tail', 'x', 'tail-x'])),
    negative: brief(await docker(t, ['logs', '--tail', '-2', 'tail-x'])),
    two: brief(await docker(t, ['logs', '--tail', '2', 'tail-x'])),
  };
}, {
  expect: (r) => assert.equal(r.x.stdout, 'one\ntwo\nthree\n'),
});

sameOnBoth('network inspect shows IPAM options as the client gave them', async (t) => {
  await docker(t, ['network', 'create', 'ipam-cli']);
  await docker(t, ['network', 'create', '--ipam-opt', 'foo=bar', 'ipam-opt']);
  const py = await dockerPy(t, `
c = client()
n = c.networks.create('ipam-py')
out(c.api.inspect_network(n.id)['IPAM'])
`, { flavor: 'pypi' });
  return {
    cli: brief(await docker(t, ['network', 'inspect', '-f', '{{json .IPAM}}', 'ipam-cli'])),
    opt: brief(await docker(t, ['network', 'inspect', '-f', '{{json .IPAM.Options}}', 'ipam-opt'])),
    py,
  };
}, {
  expect: (r) => assert.equal(r.opt.stdout, '{"foo":"bar"}\n'),
});

sameOnBoth('docker cp refused while the client still sends its tar: the error reaches the client, not a broken pipe', async (t) => {
  const dir = mkdtempSync('/tmp/berth-cp-refused-');
  try {
    // 8 MiB: the engine refuses long before the client has sent it all.
    writeFileSync(join(dir, 'big'), Buffer.alloc(8 * 1024 * 1024, 7));
    mkdirSync(join(dir, 'tree'));
    writeFileSync(join(dir, 'tree', 'tmp'), 'a file where the container has a directory\n');
    writeFileSync(join(dir, 'tree', 'zzz-big'), Buffer.alloc(8 * 1024 * 1024, 9));
    await docker(t, ['run', '-d', '--name', 'cp-refused', 'busybox', 'sh', '-c', 'echo x > /file; exec sleep 300']);
    const attempt = async (args: string[]) => {
      const r = await docker(t, args);
      // The CLI's own log lines when the engine answers before it has sent everything (on dockerd too, by timing) are left out.
      const stderr = r.stderr.split('\n').filter((l) => !/level=error msg="Can't (add file|close tar writer)/.test(l)).join('\n');
      return { code: r.code, stderr: stderr.replace(/Error processing tar file\(exit status 1\): /, '') };
    };
    return {
      'into a file': await attempt(['cp', join(dir, 'big'), 'cp-refused:/file/inside']),
      'a file over a directory, then more': await attempt(['cp', `${join(dir, 'tree')}/.`, 'cp-refused:/']),
      'still answers': (await docker(t, ['exec', 'cp-refused', 'cat', '/file'])).stdout,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, {
  expect: (r) => {
    assert.equal(r['into a file'].code, 1);
    assert.match(r['into a file'].stderr, /^Error response from daemon: /);
    assert.match(r['a file over a directory, then more'].stderr, /^Error response from daemon: cannot overwrite directory/);
  },
});
