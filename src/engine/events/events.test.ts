import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus, eventMatches, parseEventTime, type EngineEvent } from './events.ts';

const ev = (over: Partial<EngineEvent> = {}): EngineEvent => ({ type: 'container', action: 'start', id: 'abcdef0123', attributes: { name: 'web', image: 'busybox', app: 'x' }, timeNano: 1_700_000_000_123_456_789n, ...over });

test('eventMatches ANDs filter keys and ORs the values of one key', () => {
  assert.equal(eventMatches(ev(), { type: ['container'], event: ['stop', 'start'] }), true);
  assert.equal(eventMatches(ev(), { type: ['image'], event: ['start'] }), false);
  assert.equal(eventMatches(ev(), { container: ['web'] }), true);
  assert.equal(eventMatches(ev(), { container: ['abcd'] }), true);
  assert.equal(eventMatches(ev(), { container: ['other'] }), false);
  assert.equal(eventMatches(ev(), { label: ['app=x'] }), true);
  assert.equal(eventMatches(ev(), { label: ['app'] }), true);
  assert.equal(eventMatches(ev(), { label: ['app=y'] }), false);
  assert.equal(eventMatches(ev(), { image: ['busybox'] }), true);
});

test('an event filter on health_status matches the health_status actions with a suffix', () => {
  assert.equal(eventMatches(ev({ action: 'health_status: healthy' }), { event: ['health_status'] }), true);
  assert.equal(eventMatches(ev({ action: 'health_status: healthy' }), { event: ['health'] }), false);
});

test('parseEventTime reads seconds, fractions, RFC 3339 dates and durations', () => {
  assert.equal(parseEventTime('1700000000'), 1_700_000_000_000_000_000n);
  assert.equal(parseEventTime('1700000000.5'), 1_700_000_000_500_000_000n);
  assert.equal(parseEventTime('2023-11-14T22:13:20Z'), 1_700_000_000_000_000_000n);
  assert.equal(parseEventTime('10m', 1_700_000_600_000), 1_700_000_000_000_000_000n);
  assert.equal(parseEventTime(''), undefined);
  assert.throws(() => parseEventTime('yesterday'));
});

test('subscribe replays the ring from since, then streams live events until closed', async () => {
  const bus = new EventBus({ capacity: 3 });
  for (const a of ['create', 'start', 'die', 'destroy']) bus.publish({ type: 'container', action: a, id: 'c1' });
  const sub = bus.subscribe({ since: 1n, filters: { event: ['start', 'destroy', 'create'] } });
  const seen: string[] = [];
  const done = (async () => {
    for await (const e of sub) {
      seen.push(e.action);
      if (seen.length === 3) sub.close();
    }
  })();
  bus.publish({ type: 'container', action: 'create', id: 'c2' });
  await done;
  // The ring kept the last three: start, die, destroy; create of c1 fell out.
  assert.deepEqual(seen, ['start', 'destroy', 'create']);
});

test('subscribe with an until in the past replays and ends', async () => {
  const bus = new EventBus();
  bus.publish({ type: 'image', action: 'tag', id: 'sha256:1' });
  const seen: string[] = [];
  for await (const e of bus.subscribe({ since: 1n, until: BigInt(Date.now()) * 1_000_000n + 1_000_000n })) seen.push(e.action);
  assert.deepEqual(seen, ['tag']);
});

test('subscribe without since sees only live events and stops on abort', async () => {
  const bus = new EventBus();
  bus.publish({ type: 'volume', action: 'create', id: 'old' });
  const ac = new AbortController();
  const sub = bus.subscribe({ signal: ac.signal });
  const seen: string[] = [];
  const done = (async () => {
    for await (const e of sub) {
      seen.push(e.id);
      ac.abort();
    }
  })();
  bus.publish({ type: 'volume', action: 'create', id: 'new' });
  await done;
  assert.deepEqual(seen, ['new']);
});

