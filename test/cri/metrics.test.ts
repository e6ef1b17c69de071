// The CRI metrics on a private berthd through crictl (metricdescs, metricsp):
// every metric names a descriptor and carries one value per label key, and
// the values are the container's own and move with it — CPU seconds after
// the container burns CPU, processes after it starts two, its writable
// layer's bytes after it writes a file, the pod's packets after it pings its
// gateway. (critest-compare.test.ts runs critest's metrics specs too.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { show } from '../integration/acceptance-support.ts';
import { criBerthdForFile } from './cri-support.ts';

const cri = criBerthdForFile('/tmp/berth-cri-metrics-');

interface Metric {
  name: string;
  labelValues: string[];
  value: { value: string | number };
}
interface PodMetrics {
  podSandboxId: string;
  metrics?: Metric[];
  containerMetrics?: { containerId: string; metrics?: Metric[] }[];
}

async function podMetrics(pod: string): Promise<PodMetrics> {
  const r = await cri.rt.crictl(['metricsp', '-o', 'json']);
  assert.equal(r.code, 0, show(r));
  const all = (JSON.parse(r.stdout) as { podMetrics?: PodMetrics[] }).podMetrics ?? [];
  const found = all.find((p) => p.podSandboxId === pod);
  assert.ok(found, `pod ${pod} in ${r.stdout.slice(0, 500)}`);
  return found;
}

/** The value of `name` whose extra label values (past the five base ones) are `extra`. */
function valueOf(metrics: readonly Metric[] | undefined, name: string, extra: readonly string[] = []): bigint {
  const m = (metrics ?? []).find((x) => x.name === name && x.labelValues.slice(5).join('|') === extra.join('|'));
  assert.ok(m, `metric ${name} ${extra.join(',')}`);
  return BigInt(m.value.value);
}

test('crictl metricsp: metrics fit their descriptors and move with the container', async () => {
  const r = cri.rt;
  const descsRun = await r.crictl(['metricdescs', '-o', 'json']);
  assert.equal(descsRun.code, 0, show(descsRun));
  const descs = (JSON.parse(descsRun.stdout) as { descriptors: { name: string; help: string; labelKeys: string[] }[] }).descriptors;
  const keys = new Map(descs.map((d) => [d.name, d.labelKeys]));
  assert.ok(descs.length >= 50, `${descs.length} descriptors`);

  writeFileSync(join(cri.work, 'pod.json'), JSON.stringify({ metadata: { name: 'metrics', namespace: 'mns', uid: 'metrics-uid-1', attempt: 0 }, log_directory: join(cri.work, 'logs'), linux: {} }));
  writeFileSync(join(cri.work, 'c.json'), JSON.stringify({ metadata: { name: 'burner' }, image: { image: 'busybox' }, command: ['sleep', '3600'], log_path: 'c.log', linux: { resources: { cpu_period: 100000, cpu_shares: 512, memory_limit_in_bytes: 128 * 1024 * 1024 } } }));
  const runp = await r.crictl(['runp', join(cri.work, 'pod.json')]);
  assert.equal(runp.code, 0, show(runp));
  const pod = runp.stdout.trim();
  const ctr = (await r.crictl(['create', pod, join(cri.work, 'c.json'), join(cri.work, 'pod.json')])).stdout.trim();
  assert.equal((await r.crictl(['start', ctr])).code, 0);

  const before = await podMetrics(pod);
  const cm = before.containerMetrics?.find((c) => c.containerId === ctr)?.metrics;
  assert.ok(cm && cm.length > 0, 'the container has metrics');
  for (const m of [...(before.metrics ?? []), ...cm]) {
    const k = keys.get(m.name);
    assert.ok(k, `${m.name} has a descriptor`);
    assert.equal(m.labelValues.length, k.length, `${m.name}: ${m.labelValues.join(',')} for ${k.join(',')}`);
  }
  assert.deepEqual(cm.find((m) => m.name === 'container_memory_usage_bytes')!.labelValues, ['metrics', 'mns', 'burner', ctr, 'busybox']);
  assert.deepEqual(before.metrics!.find((m) => m.name === 'container_network_receive_bytes_total' && m.labelValues[5] === 'eth0')?.labelValues, ['metrics', 'mns', '', pod, '', 'eth0']);
  // The limits in force, read back from the cgroup.
  assert.equal(valueOf(cm, 'container_spec_cpu_shares'), 512n);
  assert.equal(valueOf(cm, 'container_spec_cpu_period'), 100000n);
  assert.equal(valueOf(cm, 'container_spec_memory_limit_bytes'), 128n * 1024n * 1024n);
  assert.equal(valueOf(cm, 'container_processes'), 1n);
  assert.ok(valueOf(cm, 'container_memory_usage_bytes') > 0n);
  const started = valueOf(cm, 'container_start_time_seconds');
  assert.ok(Math.abs(Number(started) - Date.now() / 1000) < 120, `start time ${started}`);

  // Burn ~2.5 s of CPU, start two more processes, write 2 MiB into the writable layer, ping the gateway.
  const gateway = `${r.net.subnet.split('.').slice(0, 3).join('.')}.1`;
  const burn = await r.crictl(['exec', '-s', ctr, 'sh', '-c', `timeout 3 sh -c 'while :; do :; done'; dd if=/dev/urandom of=/big bs=1024 count=2048 2>/dev/null; sync; (sleep 300 &); (sleep 300 &); ping -c 3 -W 1 ${gateway} >/dev/null; exit 0`], { timeoutMs: 60_000 });
  assert.equal(burn.code, 0, show(burn));
  const after = await podMetrics(pod);
  const am = after.containerMetrics!.find((c) => c.containerId === ctr)!.metrics;
  const cpu0 = valueOf(cm, 'container_cpu_usage_seconds_total');
  const cpu1 = valueOf(am, 'container_cpu_usage_seconds_total');
  assert.ok(cpu1 >= cpu0 + 2n, `cpu seconds ${cpu0} → ${cpu1}`);
  assert.ok(valueOf(am, 'container_cpu_user_seconds_total') >= 1n);
  assert.equal(valueOf(am, 'container_processes'), 3n, 'sleep 3600 and two sleep 300');
  assert.ok(valueOf(am, 'container_threads') >= 3n);
  const dev = cm.find((m) => m.name === 'container_fs_usage_bytes')!.labelValues[5]!;
  const fs0 = valueOf(cm, 'container_fs_usage_bytes', [dev]);
  const fs1 = valueOf(am, 'container_fs_usage_bytes', [dev]);
  assert.ok(fs1 >= fs0 + 2n * 1024n * 1024n, `fs usage ${fs0} → ${fs1}`);
  const tx0 = valueOf(before.metrics, 'container_network_transmit_packets_total', ['eth0']);
  const tx1 = valueOf(after.metrics, 'container_network_transmit_packets_total', ['eth0']);
  const rx1 = valueOf(after.metrics, 'container_network_receive_packets_total', ['eth0']);
  assert.ok(tx1 >= tx0 + 3n, `tx packets ${tx0} → ${tx1}`);
  assert.ok(rx1 >= 3n, `rx packets ${rx1}`);

  assert.equal((await r.crictl(['stopp', pod])).code, 0);
  const gone = await r.crictl(['metricsp', '-o', 'json']);
  assert.ok(!gone.stdout.includes(pod), 'a stopped pod has no metrics');
  assert.equal((await r.crictl(['rmp', pod])).code, 0);
});
