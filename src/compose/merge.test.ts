import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeComposeTrees } from './merge.ts';

test('mappings merge, scalars override, plain sequences append', () => {
  const out = mergeComposeTrees([
    { services: { a: { image: 'x', dns: ['1.1.1.1'], hostname: 'h' } } },
    { services: { a: { image: 'y', dns: ['8.8.8.8'] }, b: { image: 'z' } } },
  ]);
  assert.deepEqual(out, { services: { a: { image: 'y', dns: ['1.1.1.1', '8.8.8.8'], hostname: 'h' }, b: { image: 'z' } } });
});

test('command and entrypoint are replaced, not appended', () => {
  const out = mergeComposeTrees([{ services: { a: { command: ['echo', 'foo'] } } }, { services: { a: { command: ['echo', 'bar'] } } }]);
  assert.deepEqual(out, { services: { a: { command: ['echo', 'bar'] } } });
});

test('volumes are unique by target and environment lists merge by name', () => {
  const out = mergeComposeTrees([
    { services: { a: { volumes: ['foo:/work', '/x:/y'], environment: ['A=1', 'B=2'] } } },
    { services: { a: { volumes: ['bar:/work'], environment: { B: '3' } } } },
  ]);
  assert.deepEqual(out, { services: { a: { volumes: ['bar:/work', '/x:/y'], environment: { A: '1', B: '3' } } } });
});
