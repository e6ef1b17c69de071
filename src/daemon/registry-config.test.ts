import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isInvalidArgument } from '../core/errors.ts';
import { registrySettingsFrom } from './registry-config.ts';

test('registry-mirrors as a list are mirrors of docker.io, certs.d sits beside the config file', () => {
  const s = registrySettingsFrom({ 'registry-mirrors': ['http://127.0.0.1:5001'], 'insecure-registries': ['10.0.0.0/8', 'reg:5000'] }, '/etc/berth/daemon.json');
  assert.deepEqual(s.mirrors, { 'docker.io': ['http://127.0.0.1:5001'] });
  assert.deepEqual(s.insecureRegistries, ['10.0.0.0/8', 'reg:5000']);
  assert.equal(s.certsDir, '/etc/berth/certs.d');
});

test('registry-mirrors as an object give mirrors for any registry', () => {
  const s = registrySettingsFrom({ 'registry-mirrors': { 'quay.io': ['https://m.example'] } }, '/x/daemon.json');
  assert.deepEqual(s.mirrors, { 'quay.io': ['https://m.example'] });
});

test('a mirror that is not a URL is refused as docker does', () => {
  assert.throws(() => registrySettingsFrom({ 'registry-mirrors': ['not a url'] }, '/x/daemon.json'), (e) => isInvalidArgument(e) && /invalid mirror/.test(e.message));
  assert.throws(() => registrySettingsFrom({ 'insecure-registries': 'x' }, '/x/daemon.json'), isInvalidArgument);
});
