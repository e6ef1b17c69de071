import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { describeCommand, describeFlags } from '../help-meta.ts';
import { helpView, unsupportedReason } from './command-view.ts';
import type { ServerFacts } from './server-facts.ts';

function program(): { root: Command; run: Command } {
  const root = new Command('docker');
  const run = root.command('run').description('Run').option('--cpu-count <int>', 'CPU count (Windows only)')
    .option('--annotation <map>', 'Add an annotation').option('--squash', 'Squash').option('--group <string>', 'Cluster group')
    .option('--pull <string>', 'Pull image', 'missing').action(() => undefined);
  describeFlags(run, {
    'cpu-count': { needs: { osType: 'windows' } }, annotation: { def: 'map[]', needs: { version: '1.43' } },
    squash: { needs: { experimental: true } }, group: { needs: { swarm: 'manager' } },
  });
  describeCommand(root.command('prune').description('Prune').action(() => undefined), { needs: { version: '1.25' } });
  return { root, run };
}

const names = (server: ServerFacts) => helpView(program().run, { programName: 'docker', server }).flags.map((f) => f.name).sort();

test("without a daemon every flag is shown (docker assumes experimental, no OS, no swarm state)", () => {
  assert.deepEqual(names({ currentVersion: '1.47', hasExperimental: true, osType: '' }), ['annotation', 'cpu-count', 'group', 'pull', 'squash']);
});

test('a Linux daemon of API 1.41, not experimental, outside a swarm hides what it cannot serve', () => {
  assert.deepEqual(names({ currentVersion: '1.41', hasExperimental: false, osType: 'linux', swarm: { nodeState: 'inactive', controlAvailable: false } }), ['pull']);
});

test('defaults are shown as pflag shows them: quoted for a string, as is otherwise', () => {
  const flags = helpView(program().run, { programName: 'docker', server: { currentVersion: '1.47', hasExperimental: true, osType: '' } }).flags;
  assert.equal(flags.find((f) => f.name === 'pull')?.defValue, 'missing');
  assert.equal(flags.find((f) => f.name === 'annotation')?.defValue, 'map[]');
});

test('a command too new for the API version in use is not listed, and its own help says why', () => {
  const { root } = program();
  const server: ServerFacts = { currentVersion: '1.24', hasExperimental: true, osType: '' };
  assert.deepEqual(helpView(root, { programName: 'docker', server }).operationCommands.map((c) => c.name), ['run']);
  const prune = root.commands.find((c) => c.name() === 'prune') as Command;
  assert.equal(unsupportedReason(prune, { programName: 'docker', server }), 'docker prune requires API version 1.25, but the Docker daemon API version is 1.24');
});
