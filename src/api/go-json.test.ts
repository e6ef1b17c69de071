import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goParseBool, goSyntaxMessage, parseGoJson } from './go-json.ts';

const syntax = (text: string) => {
  try {
    JSON.parse(text);
  } catch (err) {
    return goSyntaxMessage(text, err);
  }
  return 'parsed';
};

test('goSyntaxMessage names the first character that cannot start a value, as Go does', () => {
  assert.equal(syntax('x'), "invalid character 'x' looking for beginning of value");
  assert.equal(syntax("  'a'"), "invalid character '\\'' looking for beginning of value");
  assert.equal(syntax('{"a": '), 'unexpected EOF');
});

test('parseGoJson refuses an empty body and a value of the wrong kind with Go\'s texts', () => {
  assert.throws(() => parseGoJson(' ', 'swarm.Spec', 'object'), /^BerthError: got EOF while reading request body$/);
  assert.throws(() => parseGoJson('[1]', 'swarm.Spec', 'object'), /json: cannot unmarshal array into Go value of type swarm.Spec/);
  assert.throws(() => parseGoJson('true', '[]string', 'array'), /json: cannot unmarshal bool into Go value of type \[\]string/);
  assert.equal(parseGoJson('null', 'swarm.Spec', 'object'), undefined);
  assert.deepEqual(parseGoJson('{"a":1}', 'swarm.Spec', 'object'), { a: 1 });
});

test('goParseBool accepts what strconv.ParseBool accepts and nothing else', () => {
  assert.deepEqual(['1', 't', 'TRUE', 'True', '0', 'f', 'False', 'yes', ''].map(goParseBool), [true, true, true, true, false, false, false, undefined, undefined]);
});
