import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRestartPolicy, validateRestartPolicy } from './restart-policy.ts';

test('restart policy values parse as the docker CLI parses them: the format only', () => {
  assert.deepEqual(parseRestartPolicy('on-failure:3'), { name: 'on-failure', maximumRetryCount: 3 });
  assert.deepEqual(parseRestartPolicy('always'), { name: 'always', maximumRetryCount: 0 });
  assert.deepEqual(parseRestartPolicy(''), { name: 'no', maximumRetryCount: 0 });
  assert.throws(() => parseRestartPolicy(':3'), /no policy provided before colon/);
  assert.throws(() => parseRestartPolicy('on-failure:x'), /maximum retry count must be an integer/);
  assert.deepEqual(parseRestartPolicy('sometimes'), { name: 'sometimes', maximumRetryCount: 0 });
  assert.deepEqual(parseRestartPolicy('always:3'), { name: 'always', maximumRetryCount: 3 });
});

test('the daemon refuses an unknown policy and a misplaced or negative count with current dockerd\'s texts', () => {
  assert.throws(() => validateRestartPolicy('always', 3), /maximum retry count can only be used with 'on-failure'/);
  assert.throws(() => validateRestartPolicy('on-failure', -1), /cannot be negative/);
  assert.throws(() => validateRestartPolicy('sometimes', 0), /^Error: invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'$/);
});
