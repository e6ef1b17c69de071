// Unit tests for docker's units, the tabwriter and the ps/images/history contexts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bytesSize, containerContext, ellipsis, formatG, humanDuration, humanSize, imageRows, parseRamBytes, psDefaultTable,
  psHeaders, renderList, tabwrite, timeAgo, FormatError,
} from './index.ts';

test('humanDuration follows go-units HumanDuration', () => {
  assert.equal(humanDuration(500), 'Less than a second');
  assert.equal(humanDuration(1000), '1 second');
  assert.equal(humanDuration(5000), '5 seconds');
  assert.equal(humanDuration(61_000), 'About a minute');
  assert.equal(humanDuration(5 * 60_000), '5 minutes');
  assert.equal(humanDuration(3600_000), 'About an hour');
  assert.equal(humanDuration(2 * 3600_000), '2 hours');
  assert.equal(humanDuration(3 * 86400_000), '3 days');
  assert.equal(humanDuration(20 * 86400_000), '2 weeks');
  assert.equal(humanDuration(90 * 86400_000), '3 months');
  assert.equal(humanDuration(800 * 86400_000), '2 years');
  assert.equal(timeAgo(100, 105_000), '5 seconds ago');
});

test('sizes are decimal with three significant digits, like docker images', () => {
  assert.equal(humanSize(0), '0B');
  assert.equal(humanSize(999), '999B');
  assert.equal(humanSize(1984132), '1.98MB');
  assert.equal(humanSize(4_260_000), '4.26MB');
  assert.equal(humanSize(100_000_000), '100MB');
  assert.equal(humanSize(1_500), '1.5kB');
  assert.equal(humanSize(1984132, 4), '1.984MB');
  assert.equal(formatG(999.5, 3), '1e+03');
  assert.equal(bytesSize(1536 * 1024 * 1024), '1.5GiB');
});

test('memory flags parse as binary multiples', () => {
  assert.equal(parseRamBytes('512m'), 512 * 1024 * 1024);
  assert.equal(parseRamBytes('1g'), 1024 ** 3);
  assert.equal(parseRamBytes('1024'), 1024);
  assert.equal(parseRamBytes('64MB'), 64 * 1024 * 1024);
  assert.throws(() => parseRamBytes('xx'));
});

test('the tabwriter pads columns to the widest cell plus three, at least ten', () => {
  assert.deepEqual(tabwrite(['A\tBB\tC', 'long-cell-here\tx\ty']), [
    'A                BB        C',
    'long-cell-here   x         y',
  ]);
  assert.deepEqual(tabwrite(['…ab\tz']), ['…ab       z']);
});

test('ellipsis cuts to the rune count with a trailing …', () => {
  assert.equal(ellipsis('echo hello world this is long', 20), 'echo hello world th…');
  assert.equal(ellipsis('short', 20), 'short');
});

const container = {
  Id: '03c5adb89b0795bc98bf3e71dfee22c2502cc8b99bce4569a489b9a538f54119',
  Names: ['/ww'], Image: 'busybox', ImageID: 'sha256:e58a01eb8f57', Command: 'sh -c \'for i in 1 2 3; do echo; done\'',
  Created: 1000, State: 'running', Status: 'Up 3 seconds', Ports: [], Labels: { a: 'b' },
};

test('ps renders docker\'s default table', () => {
  const out = renderList([containerContext(container, true, 1002_000)], { format: '', defaultTable: psDefaultTable(false), headers: psHeaders });
  assert.equal(out,
    'CONTAINER ID   IMAGE     COMMAND                  CREATED         STATUS         PORTS     NAMES\n' +
    '03c5adb89b07   busybox   "sh -c \'for i in 1 2…"   2 seconds ago   Up 3 seconds             ww\n');
});

test('ps renders table, json and raw templates, and headers a Label column with its key', () => {
  const ctx = containerContext(container, true, 1002_000);
  assert.equal(renderList([ctx], { format: 'table {{.Names}}\\t{{.Label "a"}}', defaultTable: '', headers: psHeaders }), 'NAMES     a\nww        b\n');
  assert.equal(renderList([ctx], { format: '{{.Names}}:{{.State}}', defaultTable: '', headers: psHeaders }), 'ww:running\n');
  const json = JSON.parse(renderList([ctx], { format: 'json', defaultTable: '', headers: psHeaders })) as Record<string, unknown>;
  assert.equal(json['ID'], '03c5adb89b07');
  assert.equal(json['Labels'], 'a=b');
  assert.throws(() => renderList([ctx], { format: '{{.Nope}}', defaultTable: '', headers: psHeaders }), FormatError);
});

test('images gives one row per tag and <none> for an untagged image', () => {
  assert.deepEqual(imageRows({ Id: 'sha256:1', RepoTags: ['a:1', 'localhost:5000/b:2'], RepoDigests: ['a@sha256:ff'] }), [
    { repo: 'a', tag: '1', digest: 'sha256:ff' },
    { repo: 'localhost:5000/b', tag: '2', digest: '<none>' },
  ]);
  assert.deepEqual(imageRows({ Id: 'sha256:1', RepoTags: [] }), [{ repo: '<none>', tag: '<none>', digest: '<none>' }]);
});

test('goParsedTimeString prints a daemon time as Go prints the time.Time it decodes to', async () => {
  const { goParsedTimeString } = await import('./contexts.ts');
  assert.equal(goParsedTimeString('2026-12-06T12:10:41.658820536Z'), '2026-12-06 12:10:41.658820536 +0000 UTC');
  assert.equal(goParsedTimeString('2026-12-06T12:10:41.500Z'), '2026-12-06 12:10:41.5 +0000 UTC');
  assert.equal(goParsedTimeString('2026-12-06T12:10:41Z'), '2026-12-06 12:10:41 +0000 UTC');
  assert.equal(goParsedTimeString('2026-12-06T12:10:41.1+02:00'), '2026-12-06 12:10:41.1 +0200 +0200');
  assert.equal(goParsedTimeString('yesterday'), 'yesterday');
});
