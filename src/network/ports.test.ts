import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { isInternal } from '../core/errors.ts';
import { allocatePorts, ephemeralRange, parsePortKey } from './ports.ts';

test('parsePortKey reads the port and defaults the protocol to tcp', () => {
  assert.deepEqual(parsePortKey('80'), { port: 80, protocol: 'tcp' });
  assert.deepEqual(parsePortKey('53/udp'), { port: 53, protocol: 'udp' });
  assert.throws(() => parsePortKey('80/sctp'));
});

test('allocatePorts picks ephemeral ports from docker\'s range for empty host ports', async () => {
  const [m] = await allocatePorts({ '80/tcp': [{ hostIp: '127.0.0.1', hostPort: '' }] }, []);
  assert.ok(m && m.hostPort >= ephemeralRange.first && m.hostPort <= ephemeralRange.last);
  assert.equal(m?.containerPort, 80);
});

test('allocatePorts refuses a port another container holds, with docker\'s message', async () => {
  const taken = [{ hostIp: '', hostPort: 18080, containerPort: 80, protocol: 'tcp' as const }];
  await assert.rejects(allocatePorts({ '80/tcp': [{ hostIp: '127.0.0.1', hostPort: '18080' }] }, taken), (err: unknown) => {
    assert.ok(isInternal(err));
    assert.equal((err as Error).message, 'Bind for 127.0.0.1:18080 failed: port is already allocated');
    return true;
  });
  // Another protocol or another address is free.
  assert.equal((await allocatePorts({ '80/udp': [{ hostIp: '', hostPort: '18080' }] }, taken)).length, 1);
});

test('allocatePorts refuses a port a host process listens on', async () => {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  try {
    await assert.rejects(allocatePorts({ '80/tcp': [{ hostIp: '127.0.0.1', hostPort: String(port) }] }, []), /port is already allocated/);
  } finally {
    srv.close();
  }
});
