import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineEvent } from '../engine/index.ts';
import { eventJson, eventJsonText } from './event-json.ts';

const ev = (over: Partial<EngineEvent> = {}): EngineEvent => ({ type: 'container', action: 'start', id: 'abcdef0123', attributes: { name: 'web', image: 'busybox', app: 'x' }, timeNano: 1_700_000_000_123_456_789n, ...over });

test('eventJson gives docker shape with the legacy fields for containers only', () => {
  const j = eventJson(ev());
  assert.deepEqual(j, { status: 'start', id: 'abcdef0123', from: 'busybox', Type: 'container', Action: 'start', Actor: { ID: 'abcdef0123', Attributes: { name: 'web', image: 'busybox', app: 'x' } }, scope: 'local', time: 1_700_000_000, timeNano: 1_700_000_000_123_456_789 });
  const n = eventJson(ev({ type: 'network', action: 'create', attributes: { name: 'n', type: 'bridge' } }));
  assert.equal('status' in n, false);
  assert.equal(n['Type'], 'network');
});

test('eventJsonText keeps every digit of timeNano', () => {
  const text = eventJsonText(ev({ timeNano: 1_700_000_000_123_456_789n }));
  assert.match(text, /"timeNano":1700000000123456789}$/);
  assert.equal((JSON.parse(text) as { Action: string }).Action, 'start');
});
