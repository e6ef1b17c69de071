// Published port ranges, as the docker CLI, docker-py and Compose send them:
// a host port range for one container port gives each container the next free
// port of the range (docker's round robin), a full range fails with docker's
// text, a range mapped to a range maps port to port, and `docker port` /
// NetworkSettings.Ports name the port chosen. Compared with the oracle dockerd.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clientTargets, compose, dockerCli, dockerPy, sameOnBoth, scratchDir, type RunResult, type Target } from './harness.ts';

clientTargets();
const scratch = scratchDir('berth-clients-ports-');

/** A scenario step that must succeed on both (so that a comparison is never of two identical failures). */
function ok(r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return r;
}

const brief = (r: RunResult) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr });
const server = ['sh', '-c', 'hostname > /tmp/index.html; exec httpd -f -p 80 -h /tmp'];

/** The answer of the container behind a published port (in the target's network namespace). */
async function answer(t: Target, port: number): Promise<boolean> {
  for (let i = 0; i < 20; i++) {
    const r = await t.netExec(['curl', '-s', '--max-time', '2', `http://127.0.0.1:${port}/`]);
    if (r.code === 0 && r.stdout.trim() !== '') return true;
    await new Promise((res) => setTimeout(res, 250));
  }
  return false;
}

sameOnBoth('docker CLI: -p 127.0.0.1:A-C:80 gives each container the next free port, then "all ports are allocated"', async (t) => {
  const run = (name: string) => dockerCli(t, ['run', '-d', '--name', name, '-p', '127.0.0.1:47100-47102:80', 'busybox', ...server]);
  const out: Record<string, unknown> = {};
  for (const n of ['r1', 'r2', 'r3']) out[`run ${n}`] = ok(await run(n)).code;
  for (const n of ['r1', 'r2', 'r3']) out[`port ${n}`] = brief(await dockerCli(t, ['port', n]));
  out['answers'] = await Promise.all([47100, 47101, 47102].map((p) => answer(t, p)));
  out['run r4 (range full)'] = brief(await run('r4'));
  out['r4 state'] = (await dockerCli(t, ['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}', 'r4'])).stdout;
  out['inspect r2'] = (await dockerCli(t, ['inspect', '-f', '{{json .HostConfig.PortBindings}} {{json .NetworkSettings.Ports}}', 'r2'])).stdout;
  out['ps'] = (await dockerCli(t, ['ps', '--format', '{{.Names}} {{.Ports}}'])).stdout.split('\n').sort();
  return out;
});

sameOnBoth('docker CLI: a freed range port is handed out only after the others (round robin)', async (t) => {
  const run = (name: string) => dockerCli(t, ['run', '-d', '--name', name, '-p', '127.0.0.1:47110-47112:80', 'busybox', 'sleep', '300']);
  const out: Record<string, unknown> = {};
  ok(await run('ra'));
  await dockerCli(t, ['rm', '-f', 'ra']);
  ok(await run('rb'));
  out['rb'] = (await dockerCli(t, ['port', 'rb'])).stdout;
  await dockerCli(t, ['rm', '-f', 'rb']);
  ok(await run('rc'));
  out['rc'] = (await dockerCli(t, ['port', 'rc'])).stdout;
  return out;
});

sameOnBoth('docker CLI: a host range mapped to a container range maps port to port; a second one finds them taken', async (t) => {
  const out: Record<string, unknown> = {};
  out['run'] = (await dockerCli(t, ['run', '-d', '--name', 'rr', '-p', '127.0.0.1:47120-47121:80-81', 'busybox', 'sleep', '300'])).code;
  out['port'] = brief(await dockerCli(t, ['port', 'rr']));
  out['inspect'] = (await dockerCli(t, ['inspect', '-f', '{{json .HostConfig.PortBindings}} {{json .NetworkSettings.Ports}}', 'rr'])).stdout;
  const second = await dockerCli(t, ['run', '-d', '--name', 'rr2', '-p', '127.0.0.1:47120-47121:80-81', 'busybox', 'sleep', '300']);
  // dockerd binds the two ports in Go map order: which one it names first varies.
  out['second'] = { code: second.code, stderr: second.stderr.replace(/127\.0\.0\.1:4712[01]/, '127.0.0.1:<port>') };
  out['mismatched ranges'] = brief(await dockerCli(t, ['run', '-d', '-p', '127.0.0.1:47130-47133:80-81', 'busybox', 'true']));
  return out;
});

for (const flavor of ['debian', 'pypi'] as const) {
  sameOnBoth(`docker-py (${flavor}): port_bindings with a host port range, and malformed host ports refused at create`, async (t) =>
    dockerPy(t, `
c = api()
res = {}
ids = []
for i in range(2):
    hc = c.create_host_config(port_bindings={80: ('127.0.0.1', '47140-47142')})
    ids.append(c.create_container('busybox', ['sleep', '300'], ports=[80], host_config=hc)['Id'])
    c.start(ids[-1])
res['ports'] = [c.inspect_container(i)['NetworkSettings']['Ports'] for i in ids]
res['bindings'] = [c.inspect_container(i)['HostConfig']['PortBindings'] for i in ids]
res['port()'] = [c.port(i, 80) for i in ids]
for hp in ['47152-47150', 'abc', '70000']:
    res['bad ' + hp] = outcome(lambda: c.create_container('busybox', host_config=c.create_host_config(port_bindings={80: hp})))
out(res)
`, { flavor }));
}

for (const flavor of ['v2', 'v1'] as const) {
  sameOnBoth(`Compose ${flavor}: deploy.replicas 3 with ports 127.0.0.1:A-C:80 comes up, each replica on its own port`, async (t) => {
    const cwd = join(scratch, `${flavor}-${t.kind}`);
    mkdirSync(cwd, { recursive: true });
    writeFileSync(join(cwd, 'compose.yaml'), [
      'services:',
      '  web:',
      '    image: busybox',
      `    command: ["sh", "-c", "hostname > /tmp/index.html; exec httpd -f -p 80 -h /tmp"]`,
      '    ports: ["127.0.0.1:47160-47162:80"]',
      '    deploy:',
      '      replicas: 3',
      '',
    ].join('\n'));
    const opts = { flavor, cwd, env: { COMPOSE_PROJECT_NAME: 'portrange' } };
    const out: Record<string, unknown> = {};
    const up = await compose(t, ['-f', 'compose.yaml', 'up', '-d'], opts);
    out['up'] = ok(up).code;
    const ports = await dockerCli(t, ['ps', '--format', '{{.Ports}}', '--filter', 'label=com.docker.compose.project=portrange']);
    out['ports'] = ports.stdout.split('\n').filter(Boolean).sort();
    out['answers'] = await Promise.all([47160, 47161, 47162].map((p) => answer(t, p)));
    const port = await compose(t, ['-f', 'compose.yaml', 'port', 'web', '80'], opts);
    out['port'] = { code: port.code, oneOfTheRange: /^127\.0\.0\.1:4716[0-2]$/.test(port.stdout.trim()) };
    await compose(t, ['-f', 'compose.yaml', 'down'], opts);
    return out;
  }, { timeout: 300_000 });
}
