import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderUsage, type HelpView } from './usage-template.ts';

const base: HelpView = {
  commandPath: 'docker volume', useLine: 'docker volume COMMAND', short: 'Manage volumes', long: '', hasParent: true,
  hasSubCommands: true, flags: [], topCommands: [], managementCommands: [], operationCommands: [], namePadding: 11,
};

test('a group lists its commands padded to 11 and ends with docker\'s hint', () => {
  const text = renderUsage({ ...base, operationCommands: [{ name: 'create', short: 'Create a volume' }, { name: 'ls', short: 'List volumes' }] }, 79);
  assert.equal(text, [
    'Usage:  docker volume COMMAND', '', 'Manage volumes', '', 'Commands:',
    '  create      Create a volume', '  ls          List volumes', '',
    "Run 'docker volume COMMAND --help' for more information on a command.", '',
  ].join('\n'));
});

test('a leaf command prints its use line, Long text (trimmed), aliases and options', () => {
  const text = renderUsage({
    ...base, commandPath: 'docker volume ls', useLine: 'docker volume ls [OPTIONS]', short: 'List volumes', long: 'Lists volumes.\n',
    hasSubCommands: false, aliases: 'docker volume ls, docker volume list',
    flags: [{ name: 'quiet', shorthand: 'q', varname: '', type: 'bool', usage: 'Only display volume names' }],
  }, 79);
  assert.equal(text, [
    'Usage:  docker volume ls [OPTIONS]', '', 'Lists volumes.', '', 'Aliases:', '  docker volume ls, docker volume list', '',
    'Options:', '  -q, --quiet   Only display volume names', '',
  ].join('\n'));
});

test('the root puts [OPTIONS] in its usage, marks a plugin with *, and prints its global options and additional help', () => {
  const text = renderUsage({
    ...base, commandPath: 'docker', useLine: 'docker [OPTIONS] COMMAND [ARG...]', short: 'A self-sufficient runtime for containers', hasParent: false,
    topCommands: [{ name: 'run', short: 'Create and run a new container from an image' }],
    managementCommands: [{ name: 'compose', short: 'Docker Compose', plugin: true }],
    flags: [{ name: 'debug', shorthand: 'D', varname: '', type: 'bool', usage: 'Enable debug mode' }],
    additionalHelp: 'For more help, read the docs',
  }, 79);
  assert.equal(text, [
    'Usage:  docker [OPTIONS] COMMAND', '', 'A self-sufficient runtime for containers', '',
    'Common Commands:', '  run         Create and run a new container from an image', '',
    'Management Commands:', '  compose*    Docker Compose', '',
    'Global Options:', '  -D, --debug   Enable debug mode', '',
    "Run 'docker COMMAND --help' for more information on a command.", '', 'For more help, read the docs', '',
  ].join('\n'));
});
