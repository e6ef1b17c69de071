// Unit tests for the command lines that skip commander (fast-argv.ts): where the fast
// path takes a command line, commander (program.ts) must take it too and hand the
// action the same options and global options; everything else falls back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CommanderError, type Command } from 'commander';
import { fastCommand, type FastCommand } from './fast-argv.ts';
import { takeHelpRequest } from './berth-command.ts';
import { buildProgram } from './main.ts';

interface Parsed { readonly globals: Record<string, unknown>; readonly options: Record<string, unknown> }

/** What commander makes of the command line: the ps action's options and the global options, or undefined when it refuses it. */
async function commanderParse(argv: readonly string[]): Promise<Parsed | undefined> {
  const program = buildProgram(argv);
  const group = program.commands.find((c) => c.name() === 'container');
  const leaves = [program.commands.find((c) => c.name() === 'ps'), group?.commands.find((c) => c.name() === 'ls')].filter((c): c is Command => c !== undefined);
  let acted: Command | undefined;
  for (const leaf of leaves) {
    const parseOptions = leaf.parseOptions.bind(leaf);
    leaf.parseOptions = (args) => { acted = leaf; return parseOptions(args); };
    leaf.action(() => undefined);
  }
  const config = process.env['DOCKER_CONFIG'];
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    takeHelpRequest();
    if (e instanceof CommanderError) return undefined;
    // The preAction hook threw: for an operand ("accepts no arguments") a refusal; for -H with
    // --context (resolving the address) a parse, which fails alike on both paths when it runs.
    if (!acted || acted.args.length > 0) return undefined;
  } finally {
    if (config === undefined) delete process.env['DOCKER_CONFIG'];
    else process.env['DOCKER_CONFIG'] = config;
  }
  if (!acted) return undefined;
  return { globals: { ...program.opts() }, options: { ...acted.opts() } };
}

function assertSame(argv: readonly string[], fast: FastCommand, ref: Parsed | undefined): void {
  assert.ok(ref, `the fast path takes ${JSON.stringify(argv)}, commander refuses it`);
  assert.deepEqual({ globals: fast.globals, options: fast.options }, ref, `parses differ for ${JSON.stringify(argv)}`);
}

const taken = [
  ['ps'], ['ps', '-a'], ['ps', '--all'], ['ps', '-q'], ['ps', '-aq'], ['ps', '-qa'], ['ps', '--quiet', '--all'],
  ['ps', '--no-trunc'], ['ps', '-n', '3'], ['ps', '-n3'], ['ps', '--last', '2'], ['ps', '--last=2'], ['ps', '-an', '1'], ['ps', '-l'], ['ps', '-s'],
  ['ps', '--format', '{{.ID}} {{.Names}}'], ['ps', '--format={{json .}}'], ['ps', '--format', 'table {{.Image}}'],
  ['ps', '-f', 'status=exited'], ['ps', '-fname=x', '--filter', 'label=a=b', '--filter=id=1'], ['ps', '-af', 'status=running'],
  ['-H', 'unix:///tmp/x.sock', 'ps'], ['--host=unix:///tmp/x.sock', 'ps', '-a'], ['-Hunix:///tmp/x.sock', 'ps'], ['-D', 'ps'], ['-l', 'debug', 'ps', '-l'],
  ['--log-level=warn', '--debug', 'ps'], ['--config', '/tmp/ps-fast-none', 'ps'], ['-c', 'default', 'ps'], ['--context=default', 'ps'],
  ['container', 'ls'], ['container', 'ps', '-a'], ['container', 'list', '-q'], ['-H', 'unix:///tmp/x.sock', 'container', 'ls', '--no-trunc'],
  ['ps', '-n', '-1'], ['ps', '--format', '-x'], ['ps', '--format', ''],
];

test('the fast path takes the usual ps command lines and parses them as commander does', async () => {
  for (const argv of taken) {
    const fast = fastCommand(argv);
    assert.ok(fast, `the fast path does not take ${JSON.stringify(argv)}`);
    assertSame(argv, fast, await commanderParse(argv));
  }
});

test('help, errors, operands and other commands go to commander', () => {
  const refused = [
    [], ['--version'], ['-v', 'ps'], ['help', 'ps'], ['ps', '--help'], ['ps', '-h'], ['ps', '-ah'], ['ps', '-x'], ['ps', '--bogus'], ['ps', '-n'],
    ['ps', '--format'], ['ps', '-f'], ['ps', 'x'], ['ps', '--', '-a'], ['ps', '-'], ['ps', '--all=1'], ['ps', '--no-trunc=1'], ['ps', '-H', 'x'],
    ['-H'], ['--bogus', 'ps'], ['-h', 'ps'], ['images'], ['container'], ['container', 'rm', 'x'], ['container', '-a', 'ls'], ['compose', 'ps'],
    ['ps', '-5'], ['ps', '--=x'], ['--debug=1', 'ps'],
  ];
  for (const argv of refused) assert.equal(fastCommand(argv), undefined, JSON.stringify(argv));
});

test('the check finds a parse that differs from commander\'s', async () => {
  const argv = ['ps', '-a', '--format', '{{.ID}}'];
  const fast = fastCommand(argv) as FastCommand;
  const ref = await commanderParse(argv);
  assert.throws(() => assertSame(argv, { ...fast, options: { ...fast.options, all: false } }, ref), /parses differ/);
  assert.throws(() => assertSame(argv, fast, undefined), /commander refuses it/);
});

test('any command line from ps-like words: where the fast path takes it, commander parses it the same', async () => {
  const word = fc.constantFrom(
    'ps', 'container', 'ls', 'list', 'images', '-a', '--all', '-q', '-aq', '-qs', '-l', '--latest', '-s', '-n', '-n2', '--last', '--last=4', '5', '-1',
    '-f', '-fa=b', '--filter', '--filter=status=exited', 'k=v', '--format', '--format={{.ID}}', '{{.Names}}', '--no-trunc', '--trunc', '-x', '--',
    '-', '', '-h', '--help', '-H', '--host', '--host=unix:///tmp/y.sock', 'unix:///tmp/x.sock', '-D', '--debug', '--log-level', 'debug', '-c', '--context',
    'default', '--config', '/tmp/ps-fast-none', '-v', '-Dl', '-al', '-la', '-sn', '-=x', '-a=1',
  );
  let tookIt = 0;
  const start = fc.constantFrom(['ps'], ['container', 'ls'], ['-H', 'unix:///tmp/x.sock', 'ps'], ['-c', 'default', 'ps'], []);
  await fc.assert(fc.asyncProperty(start, fc.array(word, { maxLength: 7 }), async (head, rest) => {
    const argv = [...head, ...rest];
    const fast = fastCommand(argv);
    if (fast) tookIt += 1;
    if (fast) assertSame(argv, fast, await commanderParse(argv));
  }), { numRuns: 4000 });
  assert.ok(tookIt > 400, `only ${tookIt} of 4000 command lines took the fast path`);
});
