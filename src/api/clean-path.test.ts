import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanPath, cleanRedirect } from './clean-path.ts';

test('paths are cleaned as gorilla/mux does, a trailing slash kept', () => {
  assert.equal(cleanPath('/v1.41/containers//parent/al'), '/v1.41/containers/parent/al');
  assert.equal(cleanPath('/v1.41//containers/json/'), '/v1.41/containers/json/');
  assert.equal(cleanPath('/a/./b/../c'), '/a/c');
  assert.equal(cleanPath(''), '/');
  assert.equal(cleanPath('/'), '/');
});

test('only an unclean path is redirected, with its query', () => {
  assert.equal(cleanRedirect('/v1.41/containers//parent/al?link=1'), '/v1.41/containers/parent/al?link=1');
  assert.equal(cleanRedirect('/v1.41/containers/json?all=1'), undefined);
  assert.equal(cleanRedirect('/_ping'), undefined);
});
