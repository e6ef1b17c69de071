import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { isInternal } from '../core/errors.ts';
import { allocatePorts, ephemeralRange, parseHostPorts, parsePortKey } from './ports.ts';

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

test('allocatePorts gives each container the next free port of a host port range, round robin as docker', async () => {
  const cursors = new Map<string, number>();
  const want = { '80/tcp': [{ hostIp: '127.0.0.1', hostPort: '18100-18102' }] };
  const a = await allocatePorts(want, [], cursors);
  const b = await allocatePorts(want, a, cursors);
  const c = await allocatePorts(want, [...a, ...b], cursors);
  assert.deepEqual([a, b, c].map((x) => x[0]?.hostPort), [18100, 18101, 18102]);
  // All three taken: docker's text.
  await assert.rejects(allocatePorts(want, [...a, ...b, ...c], cursors), (err: unknown) => isInternal(err) && (err as Error).message === 'all ports are allocated');
  // b's port freed: the next one wraps around past the last allocated and finds 18101 free.
  assert.equal((await allocatePorts(want, [...a, ...c], cursors))[0]?.hostPort, 18101);
  // Everything freed: the cursor goes on after the last one (18101), not back to the start.
  assert.equal((await allocatePorts(want, [], cursors))[0]?.hostPort, 18102);
});

test('allocatePorts skips a range port a host process listens on', async () => {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  try {
    const [m] = await allocatePorts({ '80/tcp': [{ hostIp: '127.0.0.1', hostPort: `${port}-${port + 1}` }] }, []);
    assert.equal(m?.hostPort, port + 1);
  } finally {
    srv.close();
  }
});

test('parseHostPorts reads one port, a range, or nothing, and refuses a reversed range', () => {
  assert.equal(parseHostPorts(''), undefined);
  assert.deepEqual(parseHostPorts('5000'), { first: 5000, last: 5000 });
  assert.deepEqual(parseHostPorts('5000-5002'), { first: 5000, last: 5002 });
  assert.throws(() => parseHostPorts('5002-5000'), /invalid port specification/);
  assert.throws(() => parseHostPorts('x'), /invalid port specification/);
});
