import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRestartPolicy } from './restart-policy.ts';

test('restart policy values parse as docker parses them', () => {
  assert.deepEqual(parseRestartPolicy('on-failure:3'), { name: 'on-failure', maximumRetryCount: 3 });
  assert.deepEqual(parseRestartPolicy('always'), { name: 'always', maximumRetryCount: 0 });
  assert.deepEqual(parseRestartPolicy(''), { name: 'no', maximumRetryCount: 0 });
  assert.throws(() => parseRestartPolicy(':3'), /no policy provided before colon/);
  assert.throws(() => parseRestartPolicy('on-failure:x'), /maximum retry count must be an integer/);
  assert.throws(() => parseRestartPolicy('always:3'), /maximum retry count can only be used with 'on-failure'/);
  assert.throws(() => parseRestartPolicy('on-failure:-1'), /cannot be negative/);
  assert.throws(() => parseRestartPolicy('sometimes'), /unknown policy 'sometimes'/);
});
