// Unit tests for docker-style start error codes and runtime error text extraction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyStartError, runtimeErrorMessage } from './start-error.ts';

test('classifyStartError maps runtime errors to docker exit codes', () => {
  assert.equal(classifyStartError('runc create failed: unable to start container process: exec: "nosuch": executable file not found in $PATH'), 127);
  assert.equal(classifyStartError('exec: "/nope": stat /nope: no such file or directory'), 127);
  assert.equal(classifyStartError('runc create failed: unable to start container process: exec: "/etc": permission denied'), 126);
  assert.equal(classifyStartError('unable to apply caps: operation not permitted'), 125);
});

test('runtimeErrorMessage unquotes runc logrus text, JSON logs and crun output', () => {
  const logrus = 'time="2026-11-28T10:22:30Z" level=error msg="runc create failed: unable to start container process: exec: \\"nosuch\\": executable file not found in $PATH"\n';
  assert.equal(runtimeErrorMessage(logrus), 'runc create failed: unable to start container process: exec: "nosuch": executable file not found in $PATH');
  assert.equal(runtimeErrorMessage('{"level":"error","msg":"container \\"x\\" does not exist","time":"t"}\n'), 'container "x" does not exist');
  assert.equal(runtimeErrorMessage('crun: executable file `nosuch` not found in $PATH: No such file or directory\n'), 'executable file `nosuch` not found in $PATH: No such file or directory');
});
