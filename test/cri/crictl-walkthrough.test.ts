// The README's crictl walk-through against a private berthd serving the CRI:
// an image built with `berth build` runs in a pod without a pull, two
// containers of one pod reach each other over localhost, ExecSync, logs in the
// CRI format at the pod's log path, the pod's port published through CNI
// portmap, exec (a TTY too) and attach over both of crictl's transports (SPDY
// and WebSocket), crictl port-forward over both to the port the other
// container serves, and after stopp/rmp nothing is left (containers, netns,
// veth, iptables rules, mounts, cgroups, conmon processes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processes, run, show } from '../integration/acceptance-support.ts';
import { freePort } from '../integration/registry-support.ts';
import { criBerthdForFile } from './cri-support.ts';
import { httpGet, transports, ttyExec, withPortForward } from './streaming-checks.ts';

const cri = criBerthdForFile('/tmp/berth-cri-walk-');

test('crictl runs a two-container pod from a berth-built image, and stopp/rmp leave nothing behind', async (t) => {
  const r = cri.rt;
  const d = r.daemon;
  // An image built with berth build: CRI sees it without a pull.
  const ctx = join(cri.work, 'ctx');
  await import('node:fs/promises').then((fs) => fs.mkdir(ctx));
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN mkdir /www && echo served-by-berth-build > /www/index.html\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n');
  const built = await d.berth(['build', '-q', '-t', 'walk/web:1', ctx], { timeoutMs: 120_000 });
  assert.equal(built.code, 0, show(built));
  const imgs = await r.crictl(['images']);
  assert.match(imgs.stdout, /docker\.io\/walk\/web\s+1\s/, show(imgs));

  const hostPort = await freePort();
  const logDir = join(cri.work, 'logs');
  writeFileSync(join(cri.work, 'pod.json'), JSON.stringify({
    metadata: { name: 'walk', namespace: 'default', uid: 'walk-uid-1', attempt: 0 },
    hostname: 'walkpod',
    log_directory: logDir,
    port_mappings: [{ protocol: 0, container_port: 8080, host_port: hostPort }],
    labels: { app: 'walk' },
    linux: {},
  }));
  writeFileSync(join(cri.work, 'web.json'), JSON.stringify({ metadata: { name: 'web' }, image: { image: 'walk/web:1' }, log_path: 'web.log', linux: {} }));
  writeFileSync(join(cri.work, 'cli.json'), JSON.stringify({
    metadata: { name: 'cli' },
    image: { image: 'busybox' },
    command: ['sh', '-c', 'echo cli started; echo to-stderr >&2; exec sleep 3600'],
    envs: [{ key: 'GREETING', value: 'hello' }],
    log_path: 'cli.log',
    linux: {},
  }));

  const runp = await r.crictl(['runp', join(cri.work, 'pod.json')]);
  assert.equal(runp.code, 0, show(runp));
  const pod = runp.stdout.trim();
  const web = (await r.crictl(['create', pod, join(cri.work, 'web.json'), join(cri.work, 'pod.json')])).stdout.trim();
  const cli = (await r.crictl(['create', pod, join(cri.work, 'cli.json'), join(cri.work, 'pod.json')])).stdout.trim();
  assert.match(web, /^[0-9a-f]{64}$/);
  assert.match(cli, /^[0-9a-f]{64}$/);
  for (const id of [web, cli]) {
    const s = await r.crictl(['start', id]);
    assert.equal(s.code, 0, show(s));
  }

  const inspectp = JSON.parse((await r.crictl(['inspectp', pod])).stdout) as { status: { state: string; network: { ip: string } } };
  assert.equal(inspectp.status.state, 'SANDBOX_READY');
  assert.equal(inspectp.status.network.ip.split('.').slice(0, 3).join('.'), r.net.subnet.split('.').slice(0, 3).join('.'), 'the pod IP comes from the CNI conf dir network');

  // The other container over localhost (one network namespace), the pod's hostname and the env.
  let got = '';
  for (let i = 0; i < 50 && !got.includes('served-by-berth-build'); i++) {
    got = (await r.crictl(['exec', '-s', cli, 'wget', '-qO-', 'http://127.0.0.1:8080/'])).stdout;
    if (!got.includes('served-by-berth-build')) await new Promise((res) => setTimeout(res, 100));
  }
  assert.match(got, /served-by-berth-build/);
  const id = await r.crictl(['exec', '-s', cli, 'sh', '-c', 'hostname; echo $GREETING']);
  assert.equal(id.stdout.trimEnd(), 'walkpod\nhello', show(id)); // crictl prints blank lines after the output
  const failing = await r.crictl(['exec', '-s', cli, 'sh', '-c', 'exit 3']);
  assert.match(failing.stderr, /exited with 3/, show(failing));

  // Exec through the streaming server over both of crictl's transports: stdin in, the exit code out,
  // output larger than any SPDY window, and a TTY (through script(1)) every time. Regression: about one
  // TTY exec in four printed nothing — conmon wrote the output and closed the attach socket, and the
  // client's keystroke sent just then failed and took the unread output with the socket (lib/seqpacket.ts).
  for (const transport of transports) {
    const piped = await r.crictl(['exec', '-i', '--transport', transport, cli, 'sh', '-c', 'read line; echo "got $line"; exit 4'], { input: 'ping\n' });
    assert.equal(piped.stdout.trim(), 'got ping', `${transport}: ${show(piped)}`);
    assert.match(piped.stderr, /command terminated with exit code 4/, `${transport}: ${show(piped)}`);
    const big = await r.crictl(['exec', '--transport', transport, cli, 'sh', '-c', 'head -c 2097152 /dev/zero | tr "\\0" x; echo; echo to-stderr >&2']);
    assert.equal(big.code, 0, `${transport}: ${big.stderr}`);
    assert.equal(big.stdout.trim().length, 2097152, `${transport}: 2 MiB of output, whole`);
    assert.match(big.stdout.trim(), /^x+$/);
    assert.match(big.stderr, /to-stderr/);
    for (let i = 1; i <= 5; i++) {
      const tty = await ttyExec(r, cli, transport);
      assert.match(tty.stdout, /\/dev\/pts\/\d+/, `${transport}, TTY exec ${i} of 5: ${show(tty)}`);
    }
  }

  // Attach over both transports to a container that reads its stdin (once): input in, its output back,
  // the end of input ends it.
  const echoes: string[] = [];
  for (const transport of transports) {
    const name = `echo-${transport}`;
    writeFileSync(join(cri.work, `${name}.json`), JSON.stringify({ metadata: { name }, image: { image: 'busybox' }, command: ['sh', '-c', 'while read l; do echo "echo:$l"; done'], stdin: true, stdin_once: true, log_path: `${name}.log`, linux: {} }));
    const echo = (await r.crictl(['create', pod, join(cri.work, `${name}.json`), join(cri.work, 'pod.json')])).stdout.trim();
    echoes.push(echo);
    assert.equal((await r.crictl(['start', echo])).code, 0);
    const attached = await r.crictl(['attach', '-i', '--transport', transport, echo], { input: `via-${transport}\n` });
    assert.match(attached.stdout, new RegExp(`echo:via-${transport}`), `${transport}: ${show(attached)}`);
  }

  // Port-forward over both transports to the port the other container (web) serves: two requests each
  // through one forward. A port nothing listens on gives the error on the error stream.
  for (const transport of transports) {
    const fwd = await withPortForward(r, pod, 8080, transport, async (port) => [await httpGet(`http://127.0.0.1:${port}/`), await httpGet(`http://127.0.0.1:${port}/`)]);
    assert.ok(fwd.result.ok, `${transport}: ${JSON.stringify(fwd)}`);
    for (const got of fwd.result.value) assert.match(got.body, /served-by-berth-build/, transport);
  }
  const refused = await withPortForward(r, pod, 9, 'spdy', (port) => httpGet(`http://127.0.0.1:${port}/`));
  assert.equal(refused.result.ok, false, JSON.stringify(refused));
  assert.match(refused.stderr, /error forwarding port 9 to pod [0-9a-f]{64}.*connect ECONNREFUSED/, refused.stderr);
  // Nothing of the forwards is left in the pod: no TCP connection to the served port.
  const podNetns = join(d.execRoot, 'cri', 'netns', readdirSync(join(d.execRoot, 'cri', 'netns'))[0] ?? 'none');
  let conns = '';
  for (let i = 0; i < 50; i++) {
    conns = (await run('nsenter', [`--net=${podNetns}`, 'ss', '-Htn', 'state', 'established', '( sport = :8080 )'])).stdout.trim();
    if (conns === '') break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(conns, '', 'no forwarded connection is left open in the pod');

  // The pod's port mapping (CNI portmap) from the host, and the pod IP directly.
  assert.match((await httpGet(`http://127.0.0.1:${hostPort}/`)).body, /served-by-berth-build/);
  assert.match((await httpGet(`http://${inspectp.status.network.ip}:8080/`)).body, /served-by-berth-build/);

  // Logs: crictl logs and the CRI-format file at log_directory/log_path.
  const logs = await r.crictl(['logs', cli]);
  assert.match(logs.stdout, /cli started/, show(logs));
  assert.match(logs.stderr, /to-stderr/, show(logs));
  const file = readFileSync(join(logDir, 'cli.log'), 'utf8');
  assert.match(file, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+[+-Z][\d:]* stdout F cli started$/m);
  assert.match(file, / stderr F to-stderr$/m);

  // berth sees the same objects: the pause image and the pod's containers.
  const ps = await d.berth(['ps', '--format', '{{.Names}}']);
  assert.match(ps.stdout, /k8s_POD_walk_default_walk-uid-1_0/);
  assert.match(ps.stdout, /k8s_web_walk_default_walk-uid-1_0/);
  const images = await d.berth(['images', '--format', '{{.Repository}}:{{.Tag}}']);
  assert.match(images.stdout, /berth\.local\/pause:1/);

  const ids = [pod, web, cli, ...echoes];
  const netnsDir = join(d.execRoot, 'cri', 'netns');
  assert.equal(readdirSync(netnsDir).length, 1, 'one pod netns while the pod runs');
  const stop = await r.crictl(['stopp', pod]);
  assert.equal(stop.code, 0, show(stop));
  const notReady = JSON.parse((await r.crictl(['inspectp', pod])).stdout) as { status: { state: string } };
  assert.equal(notReady.status.state, 'SANDBOX_NOTREADY');
  const rm = await r.crictl(['rmp', pod]);
  assert.equal(rm.code, 0, show(rm));

  // Nothing left: containers, netns, veth on the pod bridge, portmap rules, mounts, cgroups, conmon processes.
  assert.equal((await r.crictl(['pods', '-q'])).stdout.trim(), '');
  assert.equal((await r.crictl(['ps', '-a', '-q'])).stdout.trim(), '');
  assert.equal((await d.berth(['ps', '-a', '-q'])).stdout.trim(), '');
  assert.deepEqual(readdirSync(netnsDir), []);
  const links = (await import('node:child_process')).spawnSync('ip', ['-o', 'link', 'show', 'master', r.net.bridge], { encoding: 'utf8' });
  assert.equal(links.stdout.trim(), '', 'no veth left on the pod bridge');
  const rules = (await import('node:child_process')).spawnSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' }).stdout;
  assert.ok(!rules.includes(`dport ${hostPort} `) && !rules.includes(inspectp.status.network.ip + '/'), 'no portmap or masquerade rule of the pod left');
  const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  for (const x of ids) {
    assert.ok(!mountinfo.includes(x), `no mount of ${x.slice(0, 12)} left`);
    assert.ok(!processes().some((p) => p.comm === 'conmon' && p.cmdline.includes(x)), `no conmon of ${x.slice(0, 12)} left`);
    for (const cg of ['/sys/fs/cgroup/memory/berth', '/sys/fs/cgroup/berth', '/sys/fs/cgroup/unified/berth']) assert.ok(!existsSync(join(cg, x)), `no cgroup ${cg}/${x.slice(0, 12)} left`);
  }
});
