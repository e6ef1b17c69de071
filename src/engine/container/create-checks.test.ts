import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isInternal, isInvalidArgument, isNotFound } from '../../core/errors.ts';
import type { ContainerSpec, HostSpec } from '../../core/types.ts';
import { checkCreateFields, checkVolumeDriver } from './create-checks.ts';

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

test('checkVolumeDriver refuses an unknown volume driver only when a named or anonymous volume needs it (404)', () => {
  checkVolumeDriver(spec({ volumeDriver: 'nosuch', binds: ['/tmp:/x'], mounts: [] }));
  checkVolumeDriver(spec({ volumeDriver: 'local', binds: ['vv:/x'], mounts: [] }));
  checkVolumeDriver(spec({ volumeDriver: 'nosuch', binds: ['/tmp:/data'], mounts: [] }, { volumes: ['/data'] }));
  assert.throws(() => checkVolumeDriver(spec({ volumeDriver: 'nosuch', binds: ['vv:/x'], mounts: [] })), (e: unknown) => isNotFound(e) && (e as Error).message === 'create vv: error looking up volume plugin nosuch: plugin "nosuch" not found');
  assert.throws(() => checkVolumeDriver(spec({ volumeDriver: 'nosuch', binds: [], mounts: [] }, { volumes: ['/data'] })), /^BerthError: create [0-9a-f]{64}: error looking up volume plugin nosuch/);
});

test('checkCreateFields refuses a malformed host port at create', () => {
  assert.throws(() => checkCreateFields(spec({ portBindings: { '80/tcp': [{ hostIp: '', hostPort: '5002-5000' }] } })), /invalid port specification: "5002-5000"/);
});
