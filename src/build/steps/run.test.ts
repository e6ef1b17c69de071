// runNetworkMode(): RUN --network beats the build's --network; `default` is the bridge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNetworkMode } from './run.ts';

test('runNetworkMode() takes RUN --network=none|host over the build\'s network', () => {
  assert.equal(runNetworkMode('none', 'mynet'), 'none');
  assert.equal(runNetworkMode('host', undefined), 'host');
});

test('runNetworkMode() maps an unset or `default` build network to the bridge and keeps a named one', () => {
  assert.equal(runNetworkMode('default', undefined), 'bridge');
  assert.equal(runNetworkMode('', ''), 'bridge');
  assert.equal(runNetworkMode('default', 'default'), 'bridge');
  assert.equal(runNetworkMode('default', 'mynet'), 'mynet');
});
