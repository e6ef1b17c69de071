import assert from 'node:assert/strict';
import { test } from 'node:test';
import { notFound } from '../../core/errors.ts';
import type { Container } from '../../core/types.ts';
import { execBaseEnv } from './exec-env.ts';

function container(o: { name: string; status?: string; env?: string[]; links?: { name: string; alias: string }[]; ip?: string; ports?: string[] }): Container {
  return {
    id: o.name.padEnd(64, '0'), name: o.name, hostname: `${o.name}-host`, env: o.env ?? [], state: { status: o.status ?? 'running' },
    spec: { host: { links: o.links ?? [] }, exposedPorts: o.ports ?? [] },
    network: { endpoints: { bridge: { ipAddress: o.ip ?? '10.0.0.9' } } },
  } as unknown as Container;
}

test('an exec starts from PATH, HOSTNAME, TERM with its own TTY only, the links as they are now, then the container Env', async () => {
  const child = container({ name: 'db', env: ['FOO=bar', 'PATH=/x'], ip: '10.0.0.2', ports: ['80/tcp'] });
  const parent = container({ name: 'web', env: ['PATH=/mine', 'A=1'], links: [{ name: 'db', alias: 'al' }] });
  const find = async (n: string) => {
    if (n === 'db') return child;
    throw notFound(`No such container: ${n}`);
  };
  const env = await execBaseEnv(parent, false, find);
  assert.deepEqual(env, [
    'PATH=/mine', 'HOSTNAME=web-host', 'AL_PORT=tcp://10.0.0.2:80', 'AL_PORT_80_TCP=tcp://10.0.0.2:80', 'AL_PORT_80_TCP_ADDR=10.0.0.2',
    'AL_PORT_80_TCP_PORT=80', 'AL_PORT_80_TCP_PROTO=tcp', 'AL_NAME=/web/al', 'AL_ENV_FOO=bar', 'A=1',
  ]);
  assert.ok((await execBaseEnv(parent, true, find)).includes('TERM=xterm'));
  // After `rm --link` the link is no longer in the spec: its variables are gone.
  const unlinked = container({ name: 'web', links: [] });
  assert.deepEqual(await execBaseEnv(unlinked, false, find), ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=web-host']);
});

test('a linked container that is not running fails the exec, in dockerd\'s words', async () => {
  const parent = container({ name: 'web', links: [{ name: 'db', alias: 'al' }] });
  await assert.rejects(execBaseEnv(parent, false, async () => container({ name: 'db', status: 'exited' })), /^BerthError: Cannot link to a non running container: \/db AS \/web\/al$/);
});
