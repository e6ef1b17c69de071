// Issue 3, exec records: health probes publish exec_create/exec_start/exec_die
// like any exec (as dockerd does) and their records are dropped once done; a
// user exec's record stays inspectable through stop and start (as in docker)
// and goes when its container is removed. Commit and export publish their
// container events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBusyboxDaemon } from './harness.ts';
import { show, until } from './acceptance-support.ts';

const d = useBusyboxDaemon();

interface Msg { Type: string; Action: string; Actor: { ID: string; Attributes: Record<string, string> } }

async function eventsSince(sinceMs: number, filters: Record<string, string[]>): Promise<Msg[]> {
  const q = new URLSearchParams({ since: (sinceMs / 1000).toFixed(3), until: ((Date.now() + 10) / 1000).toFixed(3), filters: JSON.stringify(filters) });
  const r = await d().request('GET', `/events?${q.toString()}`);
  assert.equal(r.status, 200, r.body.toString());
  return r.body.toString().split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Msg);
}

async function execStatus(id: string): Promise<number> {
  return (await d().request('GET', `/exec/${id}/json`)).status;
}

test('health probes publish exec_create, exec_start and exec_die in order, and their records are gone once done', { timeout: 60_000 }, async () => {
  const t0 = Date.now() - 1;
  const r = await d().berth(['run', '-d', '--name', 'probed', '--health-cmd', 'true', '--health-interval', '200ms', 'busybox', 'sleep', '1000']);
  assert.equal(r.code, 0, show(r));
  await until('three probes', 20_000, async () => ((await eventsSince(t0, { container: ['probed'], event: ['exec_die'] })).length >= 3 ? true : undefined));
  const evs = await eventsSince(t0, { container: ['probed'], event: ['exec_create', 'exec_start', 'exec_die'] });
  const first = evs[0]?.Actor.Attributes['execID'] ?? '';
  assert.deepEqual(evs.filter((e) => e.Actor.Attributes['execID'] === first).map((e) => e.Action), ['exec_create: /bin/sh -c true', 'exec_start: /bin/sh -c true', 'exec_die']);
  const died = evs.filter((e) => e.Action === 'exec_die').map((e) => e.Actor.Attributes['execID'] ?? '');
  assert.ok(died.length >= 3);
  // The verdict is recorded right after the exec's exit; give the last one a moment.
  await new Promise((res) => setTimeout(res, 300));
  for (const id of died) assert.equal(await execStatus(id), 404, `probe exec ${id} is still recorded`);
  assert.equal((await d().berth(['rm', '-f', 'probed'])).code, 0);
});

test('a user exec is in ExecIDs until it ends, stays inspectable through stop and start, and goes with its container', { timeout: 60_000 }, async () => {
  const r = await d().berth(['run', '-d', '--name', 'execrec', 'busybox', 'sleep', '1000']);
  assert.equal(r.code, 0, show(r));
  const created = await d().json<{ Id: string }>('POST', '/containers/execrec/exec', { Cmd: ['sh', '-c', 'exit 6'] });
  assert.equal(created.status, 201);
  const id = created.body.Id;
  const execIds = async () => (await d().json<{ ExecIDs: string[] | null }>('GET', '/containers/execrec/json')).body.ExecIDs;
  assert.deepEqual(await execIds(), [id]);
  assert.equal((await d().request('POST', `/exec/${id}/start`, { Detach: true })).status, 200);
  await until('the exec exit', 10_000, async () => ((await d().json<{ ExitCode: number | null }>('GET', `/exec/${id}/json`)).body.ExitCode === 6 ? true : undefined));
  // As docker: ExecIDs lists execs that have not ended.
  assert.equal(await execIds(), null);
  assert.equal((await d().berth(['stop', '-t', '0', 'execrec'])).code, 0);
  assert.equal(await execStatus(id), 200);
  assert.equal((await d().berth(['start', 'execrec'])).code, 0);
  assert.equal(await execStatus(id), 200);
  assert.equal((await d().berth(['rm', '-f', 'execrec'])).code, 0);
  const gone = await d().request('GET', `/exec/${id}/json`);
  assert.equal(gone.status, 404);
  assert.equal((JSON.parse(gone.body.toString()) as { message: string }).message, `No such exec instance: ${id}`);
});

test('commit publishes image tag then container commit, and export publishes container export', { timeout: 60_000 }, async () => {
  const t0 = Date.now() - 1;
  assert.equal((await d().berth(['run', '--name', 'committed', 'busybox', 'touch', '/x'])).code, 0);
  const c = await d().berth(['commit', '-m', 'why', 'committed', 'rec-commit:v1']);
  assert.equal(c.code, 0, show(c));
  const imageId = c.stdout.trim();
  const exp = await d().request('GET', '/containers/committed/export');
  assert.equal(exp.status, 200);
  // export's event follows the end of the stream, which the client may see first.
  const evs = await until('the export event', 10_000, async () => {
    const got = await eventsSince(t0, { event: ['commit', 'export', 'tag'] });
    return got.length >= 3 ? got : undefined;
  });
  assert.deepEqual(evs.map((e) => `${e.Type} ${e.Action}`), ['image tag', 'container commit', 'container export']);
  assert.deepEqual(evs[0]?.Actor.Attributes, { name: 'rec-commit:v1' });
  assert.deepEqual(evs[1]?.Actor.Attributes, { comment: 'why', image: 'busybox', imageID: imageId, imageRef: 'rec-commit:v1', name: 'committed' });
  assert.deepEqual(evs[2]?.Actor.Attributes, { image: 'busybox', name: 'committed' });
  assert.equal((await d().berth(['rm', 'committed'])).code, 0);
  assert.equal((await d().berth(['rmi', 'rec-commit:v1'])).code, 0);
});
