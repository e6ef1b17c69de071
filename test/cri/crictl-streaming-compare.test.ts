// crictl's streaming commands against berth and against containerd v2.4 (the
// oracle) on the same machine, the same scenario on each: a pod of two
// containers, exec with stdin and an exit code, a TTY exec (five times), and
// port-forward to the port the other container serves, over SPDY and over
// WebSocket, then a port nothing listens on. Every check containerd passes
// must pass on berth; the outcomes of both are printed (and written to
// BERTH_CRICTL_COMPARE_REPORT=<file> as JSON when set).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { show } from '../integration/acceptance-support.ts';
import { ensureBusybox } from '../integration/harness.ts';
import { mirrorForFile, startContainerd, startCriBerthd, type CriRuntime } from './cri-support.ts';
import { httpGet, transports, ttyExec, withPortForward } from './streaming-checks.ts';

/** Through the runtimes' mirror of registry.k8s.io (these machines reach no public registry). */
const image = 'registry.k8s.io/e2e-test-images/busybox:1.29-2';
const ttyRuns = 5;

const mirror = mirrorForFile('/tmp/berth-crictl-compare-');

type Outcomes = Record<string, string>;

/** The scenario on one runtime: each check's outcome, 'ok' or why not. */
async function scenario(rt: CriRuntime): Promise<Outcomes> {
  const out: Outcomes = {};
  const work = mkdtempSync(join(mirror.dir, `${rt.name}-`));
  const pull = await rt.crictl(['pull', image]);
  assert.equal(pull.code, 0, `${rt.name}: ${show(pull)}`);
  writeFileSync(join(work, 'pod.json'), JSON.stringify({ metadata: { name: 'cmp', namespace: 'default', uid: `cmp-${rt.name}`, attempt: 0 }, log_directory: join(work, 'logs'), linux: {} }));
  writeFileSync(join(work, 'web.json'), JSON.stringify({ metadata: { name: 'web' }, image: { image }, command: ['sh', '-c', 'mkdir -p /www && echo served-through-forward > /www/index.html && exec httpd -f -p 8080 -h /www'], log_path: 'web.log', linux: {} }));
  writeFileSync(join(work, 'cli.json'), JSON.stringify({ metadata: { name: 'cli' }, image: { image }, command: ['sleep', '3600'], log_path: 'cli.log', linux: {} }));
  const runp = await rt.crictl(['runp', join(work, 'pod.json')]);
  assert.equal(runp.code, 0, `${rt.name}: ${show(runp)}`);
  const pod = runp.stdout.trim();
  try {
    const ids: string[] = [];
    for (const c of ['web', 'cli']) {
      const created = await rt.crictl(['create', pod, join(work, `${c}.json`), join(work, 'pod.json')]);
      assert.equal(created.code, 0, `${rt.name}: ${show(created)}`);
      ids.push(created.stdout.trim());
      const started = await rt.crictl(['start', created.stdout.trim()]);
      assert.equal(started.code, 0, `${rt.name}: ${show(started)}`);
    }
    const cli = ids[1]!;
    for (const transport of transports) {
      const piped = await rt.crictl(['exec', '-i', '--transport', transport, cli, 'sh', '-c', 'read line; echo "got $line"; exit 4'], { input: 'ping\n' });
      out[`exec -i (${transport})`] = piped.stdout.trim() === 'got ping' && /exit code 4/.test(piped.stderr) ? 'ok' : `stdout ${JSON.stringify(piped.stdout.slice(0, 200))}, stderr ${JSON.stringify(piped.stderr.slice(-200))}`;
      let ttys = 0;
      let lastMiss = '';
      for (let i = 0; i < ttyRuns; i++) {
        const tty = await ttyExec(rt, cli, transport);
        if (/\/dev\/pts\/\d+/.test(tty.stdout)) ttys++;
        else lastMiss = tty.stdout.slice(-200);
      }
      out[`exec -it tty (${transport})`] = ttys === ttyRuns ? 'ok' : `${ttys} of ${ttyRuns} printed a terminal; last miss: ${JSON.stringify(lastMiss)}`;
      // Web answers on the pod's port 8080 once httpd is up.
      const fwd = await withPortForward(rt, pod, 8080, transport, async (port) => {
        const bodies: string[] = [];
        for (let i = 0; i < 2; i++) bodies.push((await httpGet(`http://127.0.0.1:${port}/`)).body);
        return bodies;
      });
      out[`port-forward (${transport})`] = fwd.result.ok && fwd.result.value.every((b) => b.includes('served-through-forward')) ? 'ok' : `${JSON.stringify(fwd.result)}; ${fwd.stderr.trim().split('\n').slice(-2).join(' | ').slice(0, 300)}`;
    }
    const refused = await withPortForward(rt, pod, 9, 'spdy', (port) => httpGet(`http://127.0.0.1:${port}/`));
    out['port-forward to a closed port reports the error (spdy)'] = !refused.result.ok && /error forwarding port 9/.test(refused.stderr) ? 'ok' : `${JSON.stringify(refused.result)}; ${refused.stderr.slice(-300)}`;
  } finally {
    await rt.crictl(['stopp', pod]);
    await rt.crictl(['rmp', '-f', pod]);
  }
  return out;
}

test('crictl exec, exec -it and port-forward: every check containerd passes passes on berth', { timeout: 20 * 60_000 }, async () => {
  const berth = await startCriBerthd({ mirror: mirror.registry.host });
  try {
    // containerd's sandbox image is berth's pause image (made by the CRI's first pod), and both pull busybox from the mirror.
    writeFileSync(join(mirror.dir, 'warm.json'), JSON.stringify({ metadata: { name: 'warm', namespace: 'default', uid: 'warm', attempt: 0 }, linux: {} }));
    const warm = await berth.crictl(['runp', join(mirror.dir, 'warm.json')]);
    assert.equal(warm.code, 0, warm.stderr);
    await berth.crictl(['rmp', '-f', warm.stdout.trim()]);
    await ensureBusybox(berth.daemon);
    const sandboxImage = `${mirror.registry.host}/berth/pause:1`;
    for (const [local, remote] of [['berth.local/pause:1', sandboxImage], ['busybox:latest', `${mirror.registry.host}/e2e-test-images/busybox:1.29-2`]] as const) {
      for (const args of [['tag', local, remote], ['push', remote], ['rmi', remote]]) {
        const r = await berth.daemon.berth(args, { timeoutMs: 120_000 });
        assert.equal(r.code, 0, `berth ${args.join(' ')}: ${show(r)}`);
      }
    }
    const containerd = await startContainerd({ sandboxImage, mirror: mirror.registry.host });
    let oracle: Outcomes;
    try {
      oracle = await scenario(containerd);
    } finally {
      await containerd.stop();
    }
    const ours = await scenario(berth);
    const rows = Object.keys({ ...oracle, ...ours }).map((check) => ({ check, containerd: oracle[check] ?? 'absent', berth: ours[check] ?? 'absent' }));
    process.stderr.write(`crictl streaming, berth vs containerd:\n${rows.map((r) => `  ${r.check}: containerd ${r.containerd === 'ok' ? 'ok' : `FAILS (${r.containerd})`}; berth ${r.berth === 'ok' ? 'ok' : `FAILS (${r.berth})`}`).join('\n')}\n`);
    const report = process.env['BERTH_CRICTL_COMPARE_REPORT'];
    if (report) writeFileSync(report, JSON.stringify(rows, null, 2));
    assert.deepEqual(rows.filter((r) => r.containerd === 'ok' && r.berth !== 'ok'), [], 'checks containerd passes and berth does not');
  } finally {
    await berth.stop();
  }
});
