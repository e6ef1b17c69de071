import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyChanges } from './image-changes.ts';

test('CMD in JSON form is kept as an argv', () => {
  assert.deepEqual(applyChanges({}, ['CMD ["sh"]']).Cmd, ['sh']);
});

test('CMD in shell form runs through /bin/sh -c', () => {
  assert.deepEqual(applyChanges({}, ['CMD echo hi']).Cmd, ['/bin/sh', '-c', 'echo hi']);
});

test('ENV accepts both forms and replaces by key', () => {
  const c = applyChanges({ Env: ['A=0'] }, ['ENV A=1 B="two words"', 'ENV C three']);
  assert.deepEqual(c.Env, ['A=1', 'B=two words', 'C=three']);
});

test('EXPOSE, VOLUME, LABEL, USER, WORKDIR, STOPSIGNAL and ENTRYPOINT apply', () => {
  const c = applyChanges({}, ['EXPOSE 80 53/udp', 'VOLUME ["/data"]', 'LABEL a=b', 'USER nobody', 'WORKDIR /srv', 'STOPSIGNAL SIGINT', 'ENTRYPOINT ["/init"]']);
  assert.deepEqual(c.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
  assert.deepEqual(c.Volumes, { '/data': {} });
  assert.deepEqual(c.Labels, { a: 'b' });
  assert.equal(c.User, 'nobody');
  assert.equal(c.WorkingDir, '/srv');
  assert.equal(c.StopSignal, 'SIGINT');
  assert.deepEqual(c.Entrypoint, ['/init']);
});

test('an unknown instruction is refused', () => {
  assert.throws(() => applyChanges({}, ['RUN true']), /run is not a valid change command/);
});
