import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goJsonCheck, goSyntaxError } from './go-json-error.ts';

test('goJsonCheck gives encoding/json syntax errors as Go words them', () => {
  assert.equal(goJsonCheck('{x', 'map[string]string'), "invalid character 'x' looking for beginning of object key string");
  assert.equal(goJsonCheck('busybox', '[]string'), "invalid character 'b' looking for beginning of value");
  assert.equal(goJsonCheck('{"a":"b"', 'map[string]string'), 'unexpected end of JSON input');
  assert.equal(goJsonCheck('{"a" "b"}', 'map[string]string'), "invalid character '\"' after object key");
  assert.equal(goJsonCheck('["a" 1]', '[]string'), "invalid character '1' after array element");
  assert.equal(goJsonCheck('[] x', '[]string'), "invalid character 'x' after top-level value");
  assert.equal(goJsonCheck('tru', '[]string'), 'unexpected end of JSON input');
  assert.equal(goJsonCheck('trx', '[]string'), "invalid character 'x' in literal true (expecting 'u')");
});

test('goJsonCheck gives type mismatches with the Go type dockerd decodes into', () => {
  assert.equal(goJsonCheck('[]', 'map[string]*string'), 'json: cannot unmarshal array into Go value of type map[string]*string');
  assert.equal(goJsonCheck('{"a":1}', 'map[string]string'), 'json: cannot unmarshal number into Go value of type string');
  assert.equal(goJsonCheck('{}', '[]string'), 'json: cannot unmarshal object into Go value of type []string');
  assert.equal(goJsonCheck('[1]', '[]*units.Ulimit'), 'json: cannot unmarshal number into Go value of type units.Ulimit');
  assert.equal(goJsonCheck('{"a":null}', 'map[string]*string'), undefined);
  assert.equal(goJsonCheck('null', '[]string'), undefined);
});

test('goSyntaxError refuses nesting past 10000 with Go\'s words, and a million deep does not overflow the stack', () => {
  assert.equal(goSyntaxError('['.repeat(10000) + ']'.repeat(10000)), undefined);
  assert.equal(goSyntaxError('['.repeat(10001) + ']'.repeat(10001)), "invalid character '[' exceeded max depth");
  assert.equal(goSyntaxError('{"a":'.repeat(1_000_000)), "invalid character '{' exceeded max depth");
  assert.equal(goSyntaxError('[1,]'), "invalid character ']' looking for beginning of value");
  assert.equal(goSyntaxError('{"a":1,}'), "invalid character '}' looking for beginning of object key string");
  assert.equal(goSyntaxError('[[1],[2,{"b":[]}]] '), undefined);
  assert.equal(goSyntaxError('01'), "invalid character '1' after top-level value");
});
