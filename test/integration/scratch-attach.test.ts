import { test } from 'node:test';
import { readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { useBusyboxDaemon } from './harness.ts';
const d = useBusyboxDaemon();
const mem = (pid: number) => readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').filter((l) => /VmRSS|VmHWM/.test(l)).join(' ');
test('scratch', { timeout: 120_000 }, async () => {
  const line = 'x'.repeat(199);
  const cr = await d().berth(['create', '--name', 'talk', '--network', 'none', 'busybox', 'sh', '-c', `yes ${line} | head -c 150000000`]);
  console.log('create', cr.code, cr.stderr);
  const path = (await d().berth(['inspect', '--format', '{{.LogPath}}', 'talk'])).stdout.trim();
  const sock = connect(d().socket);
  let got = 0; let head = false;
  sock.on('data', (b: Buffer) => { got += b.length; if (!head) { head = true; sock.pause(); } });
  sock.write(`POST /containers/talk/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: b\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n`);
  await new Promise((r) => setTimeout(r, 300));
  const st = await d().request('POST', '/containers/talk/start');
  console.log('start', st.status);
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    let size = -1; try { size = statSync(path).size; } catch {}
    console.log(i, 'got', got, 'log', size, mem(d().pid));
  }
  sock.resume();
  await new Promise((r) => setTimeout(r, 3000));
  console.log('after resume got', got, mem(d().pid));
  sock.destroy();
  await d().berth(['rm', '-f', 'talk']);
});
