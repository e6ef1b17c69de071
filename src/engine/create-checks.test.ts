import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isInternal, isInvalidArgument, isNotFound } from '../core/errors.ts';
import type { ContainerSpec, HostSpec } from '../core/types.ts';
import { checkCreateFields } from './create-checks.ts';

function spec(host: Partial<HostSpec>, extra: Partial<ContainerSpec> = {}): ContainerSpec {
  return { image: 'busybox', env: [], labels: {}, tty: false, openStdin: false, stdinOnce: false, attachStdin: false, attachStdout: false, attachStderr: false, exposedPorts: [], volumes: [], networkDisabled: false, ...extra,
    host: { networkMode: 'default', binds: [], portBindings: {}, logConfig: { type: 'json-file', config: {} }, ...host } as HostSpec };
}

test('checkCreateFields takes default isolation and refuses others with docker\'s text (500)', () => {
  checkCreateFields(spec({ isolation: 'Default' }));
  assert.throws(() => checkCreateFields(spec({ isolation: 'hyperv' })), (e: unknown) => isInternal(e) && (e as Error).message === `Invalid isolation: "hyperv" - linux only supports 'default'`);
});

test('checkCreateFields refuses an unknown logging driver as a missing plugin (400)', () => {
  assert.throws(() => checkCreateFields(spec({ logConfig: { type: 'nosuch', config: {} } })), (e: unknown) => isInvalidArgument(e) && (e as Error).message === 'error looking up logging plugin nosuch: plugin "nosuch" not found');
});

test('checkCreateFields refuses a hostname with the host\'s UTS namespace', () => {
  checkCreateFields(spec({ utsMode: 'host' }));
  assert.throws(() => checkCreateFields(spec({ utsMode: 'host' }, { hostname: 'h' })), /conflicting options: hostname and the UTS mode/);
});

test('checkCreateFields refuses an unknown volume driver only when a named volume needs it (404)', () => {
  checkCreateFields(spec({ volumeDriver: 'nosuch', binds: ['/tmp:/x'] }));
  checkCreateFields(spec({ volumeDriver: 'local', binds: ['vv:/x'] }));
  assert.throws(() => checkCreateFields(spec({ volumeDriver: 'nosuch', binds: ['vv:/x'] })), (e: unknown) => isNotFound(e) && (e as Error).message === 'create vv: error looking up volume plugin nosuch: plugin "nosuch" not found');
});

test('checkCreateFields refuses a malformed host port at create', () => {
  assert.throws(() => checkCreateFields(spec({ portBindings: { '80/tcp': [{ hostIp: '', hostPort: '5002-5000' }] } })), /invalid port specification: "5002-5000"/);
});
