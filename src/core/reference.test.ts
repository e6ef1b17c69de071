import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReference, normalizeTagged, familiarName, referencePatternMatch, withDefaultTag } from './reference.ts';
import { isInvalidArgument } from './errors.ts';

test('normalizeTagged() expands short names as docker does', () => {
  assert.equal(normalizeTagged('busybox'), 'docker.io/library/busybox:latest');
  assert.equal(normalizeTagged('ubuntu:22.04'), 'docker.io/library/ubuntu:22.04');
  assert.equal(normalizeTagged('user/app'), 'docker.io/user/app:latest');
  assert.equal(normalizeTagged('localhost:5000/x'), 'localhost:5000/x:latest');
  assert.equal(normalizeTagged('localhost/x:1'), 'localhost/x:1');
  assert.equal(normalizeTagged('index.docker.io/library/busybox'), 'docker.io/library/busybox:latest');
});

test('parseReference() keeps tag and digest together', () => {
  const d = 'sha256:' + 'a'.repeat(64);
  const r = parseReference(`busybox:1@${d}`);
  assert.equal(r.tag, '1');
  assert.equal(r.digest, d);
  assert.equal(parseReference(`busybox@${d}`).tag, undefined);
});

test('familiarName() prints the short form', () => {
  assert.equal(familiarName(withDefaultTag(parseReference('busybox'))), 'busybox:latest');
  assert.equal(familiarName(parseReference('localhost:5000/a/b:2')), 'localhost:5000/a/b:2');
  assert.equal(familiarName(parseReference('user/app:1')), 'user/app:1');
});

test('parseReference() rejects invalid references with docker\'s text', () => {
  for (const bad of ['', 'Busybox', 'a:b:c', 'busybox@sha256:12', ':tag', 'a//b']) {
    assert.throws(() => parseReference(bad), (e) => isInvalidArgument(e) && e.message.startsWith('invalid reference format'), bad);
  }
  assert.throws(() => parseReference('Busybox'), /repository name \(library\/Busybox\) must be lowercase/);
});

test('referencePatternMatch() is Go path.Match: * and ? stay within a path segment, [..] is a class', () => {
  assert.equal(referencePatternMatch('busy*', 'busybox:latest'), true);
  assert.equal(referencePatternMatch('*', 'library/busybox'), false);
  assert.equal(referencePatternMatch('*/busybox', 'library/busybox'), true);
  assert.equal(referencePatternMatch('busybox:1.3?', 'busybox:1.36'), true);
  assert.equal(referencePatternMatch('b[a-u]sybox', 'busybox'), true);
  assert.equal(referencePatternMatch('b[xyz]sybox', 'busybox'), false);
  assert.equal(referencePatternMatch('b[usybox', 'busybox'), false);
  assert.equal(referencePatternMatch('a.b', 'axb'), false);
});
