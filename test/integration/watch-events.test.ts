// Issue 3, Watching: `GET /events` and `berth events` report docker's container,
// image, network and volume events, replayed with since/until and filtered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBusyboxDaemon } from './harness.ts';

const d = useBusyboxDaemon();

interface Msg { Type: string; Action: string; Actor: { ID: string; Attributes: Record<string, string> }; status?: string; from?: string; scope: string; time: number; timeNano: number }

function secs(ms: number): string {
  return (ms / 1000).toFixed(3);
}

async function eventsBetween(sinceMs: number, filters?: Record<string, string[]>): Promise<Msg[]> {
  const q = new URLSearchParams({ since: secs(sinceMs), until: secs(Date.now() + 10) });
  if (filters) q.set('filters', JSON.stringify(filters));
  const r = await d().request('GET', `/events?${q.toString()}`);
  assert.equal(r.status, 200, r.body.toString());
  return r.body.toString().split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Msg);
}

test('a container run, stop and rm publishes create, start, kill, die, stop and destroy in order', { timeout: 60_000 }, async () => {
  const t0 = Date.now() - 1;
  const run = await d().berth(['run', '-d', '--name', 'ev1', '--label', 'team=a', 'busybox', 'sleep', '30']);
  assert.equal(run.code, 0, run.stderr);
  const id = run.stdout.trim();
  assert.equal((await d().berth(['stop', '-t', '1', 'ev1'])).code, 0);
  assert.equal((await d().berth(['rm', 'ev1'])).code, 0);
  const evs = await eventsBetween(t0, { container: ['ev1'] });
  assert.deepEqual(evs.map((e) => e.Action), ['create', 'start', 'kill', 'die', 'stop', 'destroy']);
  const start = evs[1]!;
  assert.equal(start.Type, 'container');
  assert.equal(start.status, 'start');
  assert.equal(start.from, 'busybox');
  assert.equal(start.Actor.ID, id);
  assert.deepEqual(start.Actor.Attributes, { image: 'busybox', name: 'ev1', team: 'a' });
  assert.equal(evs[2]!.Actor.Attributes['signal'], '15');
  assert.match(evs[3]!.Actor.Attributes['exitCode'] ?? '', /^(137|143)$/);
  assert.equal(start.scope, 'local');
  assert.equal(Math.floor(start.timeNano / 1e9), start.time);
});

test('a start reports its volume mounts and network connects, the exit their undoing', { timeout: 60_000 }, async () => {
  const t0 = Date.now() - 1;
  const run = await d().berth(['run', '-d', '--name', 'ev5', '-v', 'ev5vol:/data', 'busybox', 'sleep', '30']);
  assert.equal(run.code, 0, run.stderr);
  const id = run.stdout.trim();
  assert.equal((await d().berth(['stop', '-t', '1', 'ev5'])).code, 0);
  const evs = (await eventsBetween(t0)).filter((e) => e.Actor.ID === id || e.Actor.Attributes['container'] === id);
  const seen = evs.map((e) => `${e.Type} ${e.Action}`);
  assert.deepEqual(seen, ['volume create', 'container create', 'volume mount', 'network connect', 'container start', 'container kill', 'container die', 'volume unmount', 'network disconnect', 'container stop'].filter((x) => x !== 'volume create'));
  const mount = evs.find((e) => e.Action === 'mount')!;
  assert.deepEqual(mount.Actor.Attributes, { container: id, destination: '/data', driver: 'local', propagation: '', 'read/write': 'true' });
  assert.equal(evs.find((e) => e.Action === 'connect')!.Actor.Attributes['name'], 'bridge');
  await d().berth(['rm', 'ev5']);
  await d().berth(['volume', 'rm', 'ev5vol']);
});

test('an exec publishes exec_create, exec_start and exec_die with its exit code', { timeout: 60_000 }, async () => {
  const t0 = Date.now() - 1;
  const run = await d().berth(['run', '-d', '--name', 'ev6', 'busybox', 'sleep', '30']);
  assert.equal(run.code, 0, run.stderr);
  try {
    assert.equal((await d().berth(['exec', 'ev6', 'sh', '-c', 'exit 4'])).code, 4);
    await new Promise((r) => setTimeout(r, 300));
    const evs = await eventsBetween(t0, { container: ['ev6'], event: ['exec_create', 'exec_start', 'exec_die'] });
    assert.deepEqual(evs.map((e) => e.Action), ['exec_create: sh -c exit 4', 'exec_start: sh -c exit 4', 'exec_die']);
    assert.equal(evs[2]!.Actor.Attributes['exitCode'], '4');
    assert.equal(evs[2]!.Actor.Attributes['execID'], evs[0]!.Actor.Attributes['execID']);
  } finally {
    await d().berth(['rm', '-f', 'ev6']);
  }
});

test('a container that exits by itself publishes die with its exit code', { timeout: 60_000 }, async () => {
  const t0 = Date.now() - 1;
  const run = await d().berth(['run', '--name', 'ev2', 'busybox', 'sh', '-c', 'exit 3']);
  assert.equal(run.code, 3, run.stderr);
  const evs = await eventsBetween(t0, { container: ['ev2'], event: ['die'] });
  assert.equal(evs.length, 1);
  assert.equal(evs[0]!.Actor.Attributes['exitCode'], '3');
  await d().berth(['rm', 'ev2']);
});

test('tag, untag, network and volume operations publish their events', { timeout: 60_000 }, async () => {
  const t0 = Date.now() - 1;
  assert.equal((await d().berth(['tag', 'busybox', 'evtag:1'])).code, 0);
  assert.equal((await d().berth(['rmi', 'evtag:1'])).code, 0);
  assert.equal((await d().berth(['volume', 'create', 'evvol'])).code, 0);
  assert.equal((await d().berth(['volume', 'rm', 'evvol'])).code, 0);
  assert.equal((await d().berth(['network', 'create', 'evnet'])).code, 0);
  assert.equal((await d().berth(['network', 'rm', 'evnet'])).code, 0);
  const evs = await eventsBetween(t0);
  const seen = evs.map((e) => `${e.Type} ${e.Action}`);
  assert.deepEqual(seen, ['image tag', 'image untag', 'volume create', 'volume destroy', 'network create', 'network destroy']);
  assert.equal(evs[0]!.Actor.Attributes['name'], 'evtag:1');
  assert.equal(evs[2]!.Actor.ID, 'evvol');
  assert.equal(evs[4]!.Actor.Attributes['name'], 'evnet');
  const images = await eventsBetween(t0, { type: ['image'] });
  assert.equal(images.length, 2);
});

test('berth events prints docker\'s default line and follows live events until --until', { timeout: 60_000 }, async () => {
  const t0 = Date.now() - 1;
  const run = await d().berth(['create', '--name', 'ev3', 'busybox', 'true']);
  assert.equal(run.code, 0, run.stderr);
  const id = run.stdout.trim();
  const r = await d().berth(['events', '--since', secs(t0), '--until', secs(Date.now() + 10), '--filter', 'container=ev3']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z container create ${id} \\(image=busybox, name=ev3\\)\\n$`));
  const f = await d().berth(['events', '--since', '1m', '--until', '0s', '--filter', 'container=ev3', '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}']);
  assert.equal(f.code, 0, f.stderr);
  assert.equal(f.stdout, 'container create ev3\n');
  // Live: a stream open before the event sees it, and ends at --until.
  const live = d().berth(['events', '--until', secs(Date.now() + 3000), '--filter', 'event=destroy']);
  await new Promise((res) => setTimeout(res, 800));
  assert.equal((await d().berth(['rm', 'ev3'])).code, 0);
  const l = await live;
  assert.equal(l.code, 0, l.stderr);
  assert.match(l.stdout, new RegExp(`container destroy ${id} \\(image=busybox, name=ev3\\)\\n$`));
});

test('the docker CLI reads berth\'s events', { timeout: 60_000 }, async () => {
  const t0 = Date.now() - 1;
  assert.equal((await d().berth(['create', '--name', 'ev4', 'busybox', 'true'])).code, 0);
  assert.equal((await d().berth(['rm', 'ev4'])).code, 0);
  const r = await d().docker(['events', '--since', secs(t0), '--until', secs(Date.now() + 10), '--filter', 'container=ev4', '--format', '{{.Action}} {{.Actor.Attributes.name}} {{.Status}}']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'create ev4 create\ndestroy ev4 destroy\n');
});

test('an unknown events filter is refused with docker\'s message', async () => {
  const r = await d().request('GET', `/events?filters=${encodeURIComponent('{"bogus":["x"]}')}`);
  assert.equal(r.status, 400);
  assert.match(r.body.toString(), /invalid filter 'bogus'/);
});
