// Health checks against a real berthd: --health-cmd makes a container
// unhealthy until the probe passes, ps shows the verdict, inspect shows
// State.Health with the last results, the health_status event is published,
// an image's HEALTHCHECK is used and --no-healthcheck turns it off.
import { show, until } from './acceptance-support.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useBusyboxDaemon } from './harness.ts';

const d = useBusyboxDaemon();

interface Health {
  Status: string;
  FailingStreak: number;
  Log: { Start: string; End: string; ExitCode: number; Output: string }[];
}

async function health(name: string): Promise<Health | undefined> {
  const r = await d().json<{ State: { Health?: Health } }>('GET', `/containers/${name}/json`);
  assert.equal(r.status, 200);
  return r.body.State.Health;
}

test('a --health-cmd container is unhealthy until exec makes the probe pass, then healthy', { timeout: 90_000 }, async () => {
  const since = Math.floor(Date.now() / 1000);
  const r = await d().berth(['run', '-d', '--name', 'hc', '--health-cmd', 'test -f /ok', '--health-interval', '500ms', '--health-retries', '2', 'busybox', 'sleep', '1000']);
  assert.equal(r.code, 0, show(r));
  const first = await health('hc');
  assert.equal(first?.Status, 'starting');
  const ps0 = await d().berth(['ps', '--filter', 'name=hc', '--format', '{{.Status}}']);
  assert.match(ps0.stdout, /^Up .* \(health: starting\)\n$/, show(ps0));
  await until('unhealthy', 20_000, async () => ((await health('hc'))?.Status === 'unhealthy' ? true : undefined));
  const sick = await health('hc');
  assert.ok(sick && sick.FailingStreak >= 2, JSON.stringify(sick));
  assert.equal(sick.Log.at(-1)?.ExitCode, 1);
  const ps1 = await d().berth(['ps', '--filter', 'name=hc', '--format', '{{.Status}}']);
  assert.match(ps1.stdout, /^Up .* \(unhealthy\)\n$/, show(ps1));

  const touch = await d().berth(['exec', 'hc', 'touch', '/ok']);
  assert.equal(touch.code, 0, show(touch));
  await until('healthy', 20_000, async () => ((await health('hc'))?.Status === 'healthy' ? true : undefined));
  const well = await health('hc');
  assert.equal(well?.FailingStreak, 0);
  assert.ok(well && well.Log.length <= 5 && well.Log.length > 0, JSON.stringify(well));
  assert.equal(well.Log.at(-1)?.ExitCode, 0);
  const ps2 = await d().berth(['ps', '--filter', 'name=hc', '--format', '{{.Status}}']);
  assert.match(ps2.stdout, /^Up .* \(healthy\)\n$/, show(ps2));

  const ev = await d().request('GET', `/events?since=${since}&until=${Math.ceil(Date.now() / 1000) + 1}&filters=${encodeURIComponent(JSON.stringify({ container: ['hc'] }))}`);
  assert.equal(ev.status, 200);
  const actions = ev.body.toString('utf8').split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { Action: string }).Action);
  assert.ok(actions.includes('health_status: unhealthy'), actions.join(', '));
  assert.ok(actions.includes('health_status: healthy'), actions.join(', '));
  assert.equal((await d().berth(['rm', '-f', 'hc'])).code, 0);
});

test("an image's HEALTHCHECK is used, and --no-healthcheck turns it off", { timeout: 90_000 }, async () => {
  const dir = mkdtempSync('/tmp/berth-health-');
  try {
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nHEALTHCHECK --interval=1s --timeout=2s CMD true\n');
    const b = await d().berth(['build', '-q', '-t', 'hc-image', dir], { timeoutMs: 60_000 });
    assert.equal(b.code, 0, show(b));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const r = await d().berth(['run', '-d', '--name', 'hc-img', 'hc-image', 'sleep', '1000']);
  assert.equal(r.code, 0, show(r));
  await until('healthy from the image HEALTHCHECK', 20_000, async () => ((await health('hc-img'))?.Status === 'healthy' ? true : undefined));
  // Timings alone keep the image's test (docker merges the two).
  const tuned = await d().berth(['run', '-d', '--name', 'hc-tuned', '--health-interval', '700ms', 'hc-image', 'sleep', '1000']);
  assert.equal(tuned.code, 0, show(tuned));
  const cfg = await d().json<{ Config: { Healthcheck?: { Test: string[]; Interval: number; Timeout: number } } }>('GET', '/containers/hc-tuned/json');
  assert.deepEqual(cfg.body.Config.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 700_000_000, Timeout: 2_000_000_000 });
  await until('hc-tuned healthy', 20_000, async () => ((await health('hc-tuned'))?.Status === 'healthy' ? true : undefined));
  const off = await d().berth(['run', '-d', '--name', 'hc-off', '--no-healthcheck', 'hc-image', 'sleep', '1000']);
  assert.equal(off.code, 0, show(off));
  await new Promise((res) => setTimeout(res, 1500));
  assert.equal(await health('hc-off'), undefined);
  const ps = await d().berth(['ps', '--filter', 'name=hc-off', '--format', '{{.Status}}']);
  assert.match(ps.stdout, /^Up [^(]*\n$/, show(ps));
  assert.equal((await d().berth(['rm', '-f', 'hc-img', 'hc-off', 'hc-tuned'])).code, 0);
  assert.equal((await d().berth(['rmi', 'hc-image'])).code, 0);
});
