import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flagUsagesWrapped, type FlagUsage } from './flag-usages.ts';

const flag = (f: Partial<FlagUsage> & { name: string }): FlagUsage => ({ varname: '', usage: '', type: 'bool', ...f });

test('flags are sorted by name, aligned after the longest left part, and wrapped at 79 columns as pflag does', () => {
  const flags = [
    flag({ name: 'last', shorthand: 'n', varname: 'int', type: 'int', usage: 'Show n last created containers (includes all states)', defValue: '-1' }),
    flag({ name: 'all', shorthand: 'a', usage: 'Show all containers (default shows just running)' }),
    flag({ name: 'no-trunc', usage: "Don't truncate output" }),
    flag({ name: 'filter', shorthand: 'f', varname: 'filter', type: 'filter', usage: 'Filter output based on conditions provided' }),
  ];
  // docker ps --help, v28, 80 columns
  assert.equal(flagUsagesWrapped(flags, 79), [
    '  -a, --all             Show all containers (default shows just running)',
    '  -f, --filter filter   Filter output based on conditions provided',
    '  -n, --last int        Show n last created containers (includes all',
    '                        states) (default -1)',
    "      --no-trunc        Don't truncate output",
    '',
  ].join('\n'));
});

test('a string default is quoted, a newline in the usage keeps the indent, and no wrapping at width 0', () => {
  const flags = [
    flag({ name: 'driver', shorthand: 'd', varname: 'string', type: 'string', usage: 'Specify volume driver name', defValue: 'local' }),
    flag({ name: 'format', varname: 'string', type: 'string', usage: "Format output:\n'json':   JSON" }),
  ];
  assert.equal(flagUsagesWrapped(flags, 0), [
    '  -d, --driver string   Specify volume driver name (default "local")',
    "      --format string   Format output:",
    "                        'json':   JSON",
    '',
  ].join('\n'));
});

test('pflag moves the description under the flag, at column 16, when fewer than 24 columns are left for it', () => {
  const flags = [flag({ name: 'a-very-long-flag-name-indeed', varname: 'string', type: 'string', usage: 'A description long enough to need more than one line of text here' })];
  const text = flagUsagesWrapped(flags, 50);
  assert.equal(text, [
    '      --a-very-long-flag-name-indeed string   ',
    '                A description long enough to',
    '                need more than one line of',
    '                text here',
    '',
  ].join('\n'));
});

test('the optional value of a non-bool flag is shown as pflag shows NoOptDefVal', () => {
  assert.equal(flagUsagesWrapped([flag({ name: 'x', varname: 'string', type: 'string', noOptDefVal: 'v', usage: 'u' })], 0), '      --x string[="v"]   u\n');
  assert.equal(flagUsagesWrapped([flag({ name: 'y', noOptDefVal: 'true', usage: 'u' })], 0), '      --y   u\n');
});
