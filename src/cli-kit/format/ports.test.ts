import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayPorts } from './contexts.ts';

test('displayPorts groups same-number ports into ranges and lists other mappings after them, as docker ps does', () => {
  assert.equal(
    displayPorts([
      { IP: '0.0.0.0', PrivatePort: 5011, PublicPort: 5011, Type: 'tcp' },
      { IP: '0.0.0.0', PrivatePort: 8000, PublicPort: 32768, Type: 'tcp' },
      { IP: '0.0.0.0', PrivatePort: 5010, PublicPort: 5010, Type: 'tcp' },
      { IP: '0.0.0.0', PrivatePort: 6000, PublicPort: 6000, Type: 'udp' },
    ]),
    '0.0.0.0:5010-5011->5010-5011/tcp, 0.0.0.0:6000->6000/udp, 0.0.0.0:32768->8000/tcp',
  );
  assert.equal(displayPorts([{ IP: '127.0.0.1', PrivatePort: 8000, PublicPort: 5000, Type: 'tcp' }]), '127.0.0.1:5000->8000/tcp');
  assert.equal(displayPorts([{ PrivatePort: 80, Type: 'tcp' }, { PrivatePort: 81, Type: 'tcp' }, { PrivatePort: 53, Type: 'udp' }]), '53/udp, 80-81/tcp');
});
