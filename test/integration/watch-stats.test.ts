// Issue 3, Watching: `GET /containers/{id}/stats` reads the container's cgroup
// and netns; `berth stats --no-stream` and the docker CLI show docker's table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBusyboxDaemon } from './harness.ts';

const d = useBusyboxDaemon();

interface Stats {
  id: string; name: string; read: string; preread: string;
  cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage: number; online_cpus: number };
  precpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage?: number };
  memory_stats: { usage: number; limit: number; stats: Record<string, number> };
  pids_stats: { current: number; limit?: number };
  networks?: Record<string, { rx_bytes: number; tx_bytes: number }>;
  blkio_stats: Record<string, unknown>;
}

test('stats of a running container report its CPU, memory limit, pids and network', { timeout: 60_000 }, async () => {
  const run = await d().berth(['run', '-d', '--name', 'st1', '-m', '64m', '--pids-limit', '50', 'busybox', 'sh', '-c', 'while true; do :; done']);
  assert.equal(run.code, 0, run.stderr);
  const id = run.stdout.trim();
  try {
    const r = await d().json<Stats>('GET', '/containers/st1/stats?stream=false');
    assert.equal(r.status, 200);
    const s = r.body;
    assert.equal(s.id, id);
    assert.equal(s.name, '/st1');
    assert.ok(s.cpu_stats.cpu_usage.total_usage > s.precpu_stats.cpu_usage.total_usage, 'the busy loop used CPU between the two samples');
    assert.ok(s.cpu_stats.system_cpu_usage > (s.precpu_stats.system_cpu_usage ?? 0));
    assert.ok(s.cpu_stats.online_cpus >= 1);
    assert.equal(s.memory_stats.limit, 64 * 1024 * 1024);
    assert.ok(s.memory_stats.usage > 0);
    assert.ok(s.pids_stats.current >= 1);
    assert.equal(s.pids_stats.limit, 50);
    assert.ok(s.networks && Object.keys(s.networks).length >= 1, JSON.stringify(s.networks));
    assert.notEqual(s.preread, '0001-01-01T00:00:00Z');
    const one = await d().json<Stats>('GET', '/containers/st1/stats?stream=false&one-shot=true');
    assert.equal(one.body.preread, '0001-01-01T00:00:00Z');

    const t = await d().berth(['stats', '--no-stream', 'st1']);
    assert.equal(t.code, 0, t.stderr);
    const [header, row] = t.stdout.split('\n');
    assert.match(header ?? '', /^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS$/);
    assert.match(row ?? '', new RegExp(`^${id.slice(0, 12)}\\s+st1\\s+\\d+\\.\\d\\d%\\s+[\\d.]+[KM]?i?B / 64MiB\\s+\\d+\\.\\d\\d%\\s+\\S+ / \\S+\\s+\\S+ / \\S+\\s+\\d+$`));
    const f = await d().berth(['stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}}', 'st1']);
    assert.match(f.stdout, /^st1 \d+\n$/);

    const dk = await d().docker(['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}}', 'st1']);
    assert.equal(dk.code, 0, dk.stderr);
    assert.match(dk.stdout, /^st1 [\d.]+[KM]?i?B \/ 64MiB\n$/);
  } finally {
    await d().berth(['rm', '-f', 'st1']);
  }
});

test('stats of a stopped container are zeros and of a missing one docker\'s error', { timeout: 60_000 }, async () => {
  assert.equal((await d().berth(['create', '--name', 'st2', 'busybox', 'true'])).code, 0);
  try {
    const r = await d().json<Stats>('GET', '/containers/st2/stats?stream=false');
    assert.equal(r.status, 200);
    assert.equal(r.body.read, '0001-01-01T00:00:00Z');
    const t = await d().berth(['stats', '--no-stream', 'st2']);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout.split('\n')[1] ?? '', /\s0\.00%\s+0B \/ 0B\s+0\.00%\s+0B \/ 0B\s+0B \/ 0B\s+0$/);
  } finally {
    await d().berth(['rm', 'st2']);
  }
  const missing = await d().berth(['stats', '--no-stream', 'nope']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /No such container: nope/);
});

test('a streaming stats request sends a sample every second', { timeout: 60_000 }, async () => {
  const run = await d().berth(['run', '-d', '--name', 'st3', 'busybox', 'sleep', '30']);
  assert.equal(run.code, 0, run.stderr);
  try {
    const { request } = await import('node:http');
    const lines = await new Promise<string[]>((resolve, reject) => {
      const got: string[] = [];
      const req = request({ socketPath: d().socket, path: '/containers/st3/stats' }, (res) => {
        let buf = '';
        res.on('data', (c: Buffer) => {
          buf += c.toString();
          const parts = buf.split('\n');
          buf = parts.pop() ?? '';
          got.push(...parts.filter(Boolean));
          if (got.length >= 2) {
            req.destroy();
            resolve(got);
          }
        });
      });
      req.on('error', (e) => (got.length >= 2 ? undefined : reject(e)));
      req.end();
    });
    const second = JSON.parse(lines[1]!) as Stats;
    assert.equal(second.preread, (JSON.parse(lines[0]!) as Stats).read);
  } finally {
    await d().berth(['rm', '-f', 'st3']);
  }
});
