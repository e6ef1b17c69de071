import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostPortFor, parsePorts } from './ports.ts';

test('short port forms parse into target, published, host ip and protocol', () => {
  assert.deepEqual(parsePorts(['80', '8080:80', '127.0.0.1:5000:5440/udp', '127.0.0.1::9000', 3000]), [
    { protocol: 'tcp', mode: 'ingress', target: 80 },
    { protocol: 'tcp', mode: 'ingress', target: 80, published: '8080' },
    { protocol: 'udp', mode: 'ingress', host_ip: '127.0.0.1', target: 5440, published: '5000' },
    { protocol: 'tcp', mode: 'ingress', host_ip: '127.0.0.1', target: 9000 },
    { protocol: 'tcp', mode: 'ingress', target: 3000 },
  ]);
});

test('a container range maps onto a host range of the same length', () => {
  assert.deepEqual(parsePorts(['9090-9091:8080-8081']).map((p) => [p.published, p.target]), [['9090', 8080], ['9091', 8081]]);
});

test('the long form keeps its fields', () => {
  assert.deepEqual(parsePorts([{ target: 80, published: 8080, host_ip: '127.0.0.1', protocol: 'tcp' }]), [
    { target: 80, published: '8080', host_ip: '127.0.0.1', protocol: 'tcp', mode: 'ingress' },
  ]);
});

test('a published host range is spread over replicas', () => {
  const [p] = parsePorts(['127.0.0.1:5000-5002:5440']);
  assert.ok(p);
  assert.deepEqual([1, 2, 3].map((n) => hostPortFor(p, n)), ['5000', '5001', '5002']);
  assert.throws(() => hostPortFor(p, 4), /not enough ports/);
});
