import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alreadyExists, conflict, failedPrecondition, internal, invalidArgument, notFound, notImplemented, permissionDenied, unauthenticated, unavailable } from '../core/errors.ts';
import { statusOf } from './error-status.ts';

test('each error kind maps to docker\'s HTTP status', () => {
  assert.equal(statusOf(notFound('x')), 404);
  assert.equal(statusOf(conflict('x')), 409);
  assert.equal(statusOf(alreadyExists('x')), 409);
  assert.equal(statusOf(invalidArgument('x')), 400);
  assert.equal(statusOf(failedPrecondition('x')), 400);
  assert.equal(statusOf(notImplemented('x')), 501);
  assert.equal(statusOf(unauthenticated('x')), 401);
  assert.equal(statusOf(permissionDenied('x')), 403);
  assert.equal(statusOf(unavailable('x')), 503);
  assert.equal(statusOf(internal('x')), 500);
});

test('anything that is not a BerthError is a 500', () => {
  assert.equal(statusOf(new Error('boom')), 500);
  assert.equal(statusOf('boom'), 500);
});
