// Unit tests for the command lines that skip commander (fast-argv.ts): where the fast
// path takes a command line, commander (program.ts) must take it too and hand the
// action the same options and global options; everything else falls back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CommanderError, type Command } from 'commander';
import { fastCommand, type FastCommand } from './fast-argv.ts';
import { takeHelpRequest } from './berth-command.ts';
import { argsError } from './help-meta.ts';
import { buildProgram } from './main.ts';
import { programName } from '../cli-kit/index.ts';

/** A parse as fastCommand returns it: command, globals, options (and images' repository). */
type Parsed = Readonly<Record<string, unknown>>;

/** What commander makes of the command line: the action's operand and options and the global options, or undefined when it refuses it. */
async function commanderParse(argv: readonly string[]): Promise<Parsed | undefined> {
  const program = buildProgram(argv);
  const top = (name: string) => program.commands.find((c) => c.name() === name);
  const leaves = new Map<Command | undefined, 'ps' | 'images' | 'run'>([
    [top('ps'), 'ps'], [top('container')?.commands.find((c) => c.name() === 'ls'), 'ps'],
    [top('images'), 'images'], [top('image')?.commands.find((c) => c.name() === 'ls'), 'images'],
    [top('run'), 'run'], [top('container')?.commands.find((c) => c.name() === 'run'), 'run'],
  ]);
  let acted: Command | undefined;
  for (const leaf of leaves.keys()) {
    if (!leaf) continue;
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
    // The preAction hook threw: for an operand too many ("accepts no arguments") a refusal; for -H
    // with --context (resolving the address) a parse, which fails alike on both paths when it runs.
    if (!acted || argsError(acted, acted.args.length, programName)) return undefined;
  } finally {
    if (config === undefined) delete process.env['DOCKER_CONFIG'];
    else process.env['DOCKER_CONFIG'] = config;
  }
  const command = leaves.get(acted);
  if (!acted || !command) return undefined;
  const parsed = { globals: { ...program.opts() }, options: { ...acted.opts() } };
  if (command === 'run') return { command, image: acted.processedArgs[0] as string, args: acted.processedArgs[1] as string[], ...parsed };
  return command === 'ps' ? { command, ...parsed } : { command, repository: acted.processedArgs[0] as string | undefined, ...parsed };
}

function assertSame(argv: readonly string[], fast: FastCommand, ref: Parsed | undefined): void {
  assert.ok(ref, `the fast path takes ${JSON.stringify(argv)}, commander refuses it`);
  assert.deepEqual({ ...fast }, ref, `parses differ for ${JSON.stringify(argv)}`);
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
  ['images'], ['images', 'busybox'], ['images', '-a', 'busybox:latest', '--digests'], ['images', '-q', '--no-trunc'], ['images', '--format', '{{.ID}}', '-f', 'dangling=true'],
  ['image', 'ls', '-aq'], ['image', 'list', 'busybox', '-q'], ['image', 'images'], ['-H', 'unix:///tmp/x.sock', 'images', '--filter=reference=b*'],
];

/** Each line takes the fast path and parses as commander parses it. */
async function takesAll(lines: readonly (readonly string[])[]): Promise<void> {
  for (const argv of lines) {
    const fast = fastCommand(argv);
    assert.ok(fast, `the fast path does not take ${JSON.stringify(argv)}`);
    assertSame(argv, fast, await commanderParse(argv));
  }
}

test('the fast path takes the usual ps and images command lines and parses them as commander does', async () => {
  await takesAll(taken);
});

test('help, errors, operands and other commands go to commander', () => {
  const refused = [
    [], ['--version'], ['-v', 'ps'], ['help', 'ps'], ['ps', '--help'], ['ps', '-h'], ['ps', '-ah'], ['ps', '-x'], ['ps', '--bogus'], ['ps', '-n'],
    ['ps', '--format'], ['ps', '-f'], ['ps', 'x'], ['ps', '--', '-a'], ['ps', '-'], ['ps', '--all=1'], ['ps', '--no-trunc=1'], ['ps', '-H', 'x'],
    ['-H'], ['--bogus', 'ps'], ['-h', 'ps'], ['volume', 'ls'], ['container'],
    ['images', 'a', 'b'], ['images', '-s'], ['images', '--help'], ['image'], ['image', 'rm', 'x'], ['image', 'ps'], ['container', 'images'], ['container', 'rm', 'x'], ['container', '-a', 'ls'], ['compose', 'ps'],
    ['ps', '-5'], ['ps', '--=x'], ['--debug=1', 'ps'],
  ];
  for (const argv of refused) assert.equal(fastCommand(argv), undefined, JSON.stringify(argv));
});

test('the check finds a parse that differs from commander\'s', async () => {
  const argv = ['ps', '-a', '--format', '{{.ID}}'];
  const fast = fastCommand(argv) as FastCommand;
  const ref = await commanderParse(argv);
  assert.throws(() => assertSame(argv, { ...fast, options: { ...fast.options, all: false } } as FastCommand, ref), /parses differ/);
  assert.throws(() => assertSame(argv, fast, undefined), /commander refuses it/);
});

test('any command line from ps-like and images-like words: where the fast path takes it, commander parses it the same', async () => {
  const word = fc.constantFrom(
    'ps', 'container', 'ls', 'list', 'images', '-a', '--all', '-q', '-aq', '-qs', '-l', '--latest', '-s', '-n', '-n2', '--last', '--last=4', '5', '-1',
    '-f', '-fa=b', '--filter', '--filter=status=exited', 'k=v', '--format', '--format={{.ID}}', '{{.Names}}', '--no-trunc', '--trunc', '-x', '--',
    '-', '', '-h', '--help', '-H', '--host', '--host=unix:///tmp/y.sock', 'unix:///tmp/x.sock', '-D', '--debug', '--log-level', 'debug', '-c', '--context',
    'default', '--config', '/tmp/ps-fast-none', '-v', '-Dl', '-al', '-la', '-sn', '-=x', '-a=1', 'image', 'busybox', '--digests', '-aq', 'x',
  );
  const start = fc.constantFrom(['ps'], ['container', 'ls'], ['-H', 'unix:///tmp/x.sock', 'ps'], ['-c', 'default', 'ps'], ['images'], ['image', 'ls'], ['-D', 'images'], []);
  await agreesOnRandomLines(start, word, 6000);
});

/** Command lines of a start and up to 7 words: where the fast path takes one, commander parses it the same; a tenth at least are taken. */
async function agreesOnRandomLines(start: fc.Arbitrary<readonly string[]>, word: fc.Arbitrary<string>, numRuns: number): Promise<void> {
  let tookIt = 0;
  await fc.assert(fc.asyncProperty(start, fc.array(word, { maxLength: 7 }), async (head, rest) => {
    const argv = [...head, ...rest];
    const fast = fastCommand(argv);
    if (fast) tookIt += 1;
    if (fast) assertSame(argv, fast, await commanderParse(argv));
  }), { numRuns });
  assert.ok(tookIt > numRuns / 10, `only ${tookIt} of ${numRuns} command lines took the fast path`);
}

const runsTaken = [
  ['run', 'busybox'], ['run', '--rm', 'busybox', 'true'], ['run', '--rm', '--network', 'none', 'busybox', 'true'], ['run', '-d', 'busybox', 'sleep', '1000'],
  ['run', '--detach', '--name', 'w1', 'busybox', 'top'], ['run', '--name=w2', '--rm', 'busybox', 'sh', '-c', 'echo -e hi; exit 3'],
  ['run', '--network=host', '--network', 'n2', 'busybox'], ['run', '--rm', 'busybox', '--rm', '-d', '--help'], ['run', '--name', '-d', 'busybox'],
  ['container', 'run', '--rm', 'busybox', 'echo', 'hi'], ['-H', 'unix:///tmp/x.sock', 'run', '-d', 'busybox'], ['-D', 'run', '--rm', 'registry:5000/a/b:c', 'ls', '/'],
  ['run', '--rm', '--rm', '-d', 'busybox'], ['run', '--network', 'none', '--name', 'a', '--name', 'b', 'busybox', '--', 'x'],
];

test('the fast path takes plain run command lines and parses them as commander does', async () => {
  await takesAll(runsTaken);
});

test('run lines with any other flag, help, no image or `--` before it go to commander', () => {
  const refused = [
    ['run'], ['run', '--rm'], ['run', '-it', 'busybox'], ['run', '-i', 'busybox'], ['run', '-t', 'busybox'], ['run', '-e', 'A=1', 'busybox'],
    ['run', '--net', 'none', 'busybox'], ['run', '--net=none', 'busybox'], ['run', '--help'], ['run', '-h', 'busybox'], ['run', '--rm=true', 'busybox'],
    ['run', '-p', '80:80', 'busybox'], ['run', '--', 'busybox'], ['run', '-dit', 'busybox'], ['run', '--name'], ['run', '-v', '/x:/y', 'busybox'],
    ['container', 'run'], ['container', 'create', 'busybox'], ['create', 'busybox'], ['run', '--restart', 'always', 'busybox'],
  ];
  for (const argv of refused) assert.equal(fastCommand(argv), undefined, JSON.stringify(argv));
});

test('any command line from run-like words: where the fast path takes it, commander parses it the same', async () => {
  const word = fc.constantFrom(
    'run', 'container', '--rm', '-d', '--detach', '-dt', '-it', '-i', '--name', '--name=x', 'n1', '--network', '--network=none', '--net', '--net=host',
    'none', 'bridge', 'busybox', 'alpine:3', 'sh', '-c', 'echo hi', '--', '-', '', '-h', '--help', '-e', 'A=1', '-H', 'unix:///tmp/x.sock', '-D', '--pull', 'never',
  );
  const start = fc.constantFrom(['run'], ['container', 'run'], ['-H', 'unix:///tmp/x.sock', 'run'], ['-D', 'run'], []);
  await agreesOnRandomLines(start, word, 3000);
});
