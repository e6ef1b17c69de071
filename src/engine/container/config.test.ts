import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerSpec } from '../../core/types.ts';
import { mergeEnv, mergeImageConfig } from './config.ts';

const base = { image: 'x', env: [], labels: {}, exposedPorts: [], volumes: [] } as unknown as ContainerSpec;

test('mergeEnv replaces image variables by key and appends new ones', () => {
  assert.deepEqual(mergeEnv(['PATH=/bin', 'A=1'], ['A=2', 'B=3']), ['PATH=/bin', 'A=2', 'B=3']);
});

test('the image Cmd is used when the container gives none', () => {
  const m = mergeImageConfig(base, { Entrypoint: ['/init'], Cmd: ['sh'] });
  assert.equal(m.path, '/init');
  assert.deepEqual(m.args, ['sh']);
});

test('a given Cmd replaces the image Cmd but keeps its Entrypoint', () => {
  const m = mergeImageConfig({ ...base, cmd: ['echo', 'hi'] }, { Entrypoint: ['/init'], Cmd: ['sh'] });
  assert.deepEqual([m.path, ...m.args], ['/init', 'echo', 'hi']);
});

test('a given entrypoint resets the image Cmd', () => {
  const m = mergeImageConfig({ ...base, entrypoint: ['/bin/echo'] }, { Cmd: ['sh'] });
  assert.deepEqual([m.path, ...m.args], ['/bin/echo']);
});

test('Entrypoint [""] clears the image entrypoint', () => {
  const m = mergeImageConfig({ ...base, entrypoint: [''], cmd: ['ls'] }, { Entrypoint: ['/init'], Cmd: ['sh'] });
  assert.deepEqual([m.path, ...m.args], ['ls']);
});

test('no command at all is an InvalidArgument', () => {
  assert.throws(() => mergeImageConfig(base, {}), /No command specified/);
});

test('working dir, user, stop signal and labels come from the image unless given', () => {
  const m = mergeImageConfig({ ...base, cmd: ['x'], labels: { b: '2' } }, { WorkingDir: '/w', User: 'nobody', StopSignal: 'SIGINT', Labels: { a: '1', b: '1' } });
  assert.equal(m.spec.workingDir, '/w');
  assert.equal(m.spec.user, 'nobody');
  assert.equal(m.spec.stopSignal, 'SIGINT');
  assert.deepEqual(m.spec.labels, { a: '1', b: '2' });
});
