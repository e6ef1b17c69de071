// `berth run` with only --rm, -d/--detach, --name and --network runs without commander
// where src/cli/fast-argv.ts takes the command line. The compiled CLI (bin/berth, fast
// path) and commander's path (src/cli/main.ts run from source, which never takes the
// fast path) must print the same stdout and stderr and exit with the same code: the
// container's output and exit code, and the failures of the create, the pull and the
// start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { useBusyboxDaemon } from './harness.ts';
import { repoRoot, run, type RunResult } from './acceptance-support.ts';
import { fastCommand } from '../../src/cli/fast-argv.ts';

const daemon = useBusyboxDaemon();
const mainTs = join(repoRoot, 'src', 'cli', 'main.ts');

/** Commander's path: main.ts from source on Node. */
function viaCommander(argv: readonly string[]): Promise<RunResult> {
  return run(process.execPath, ['--import', 'tsx', mainTs, ...argv], { env: daemon().env, timeoutMs: 120_000 });
}

/** Both paths, fast first; the results with container ids masked. */
async function both(argv: readonly string[]): Promise<{ fast: RunResult; ref: RunResult }> {
  assert.ok(fastCommand(argv), `the fast path does not take ${JSON.stringify(argv)}`);
  const mask = (r: RunResult): RunResult => ({ ...r, stdout: r.stdout.replace(/[0-9a-f]{64}/g, 'ID'), stderr: r.stderr.replace(/[0-9a-f]{64}/g, 'ID').replace(/\b[0-9a-f]{12}\b/g, 'ID') });
  const fast = mask(await daemon().berth(argv, { env: daemon().env }));
  const ref = mask(await viaCommander(argv));
  return { fast, ref };
}

test('run through the fast path prints and exits as through commander\'s path', { timeout: 900_000 }, async () => {
  const same = [
    ['run', '--rm', '--network', 'none', 'busybox', 'echo', 'hi'],
    ['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3'],
    ['container', 'run', '--rm', '--network=none', 'busybox', 'ls', '-d', '/'],
    ['run', '--rm', '--network', 'none', 'busybox', 'no-such-program'],
    ['run', '--rm', '--name', 'bad name!', 'busybox', 'true'],
    ['run', '--rm', '--network', 'fast-run-no-such-net', 'busybox', 'true'],
    ['run', '--rm', '--network', 'none', 'localhost:1/fast-run/none:latest', 'true'],
    ['run', '--rm', '--network', 'x=y', 'busybox', 'true'],
  ];
  for (const argv of same) {
    const { fast, ref } = await both(argv);
    assert.deepEqual(fast, ref, `bin/berth and commander's path differ for ${JSON.stringify(argv)}`);
  }
  const hi = await both(same[0]!);
  assert.deepEqual([hi.fast.code, hi.fast.stdout], [0, 'hi\n']);
  const three = await both(same[1]!);
  assert.deepEqual([three.fast.code, three.fast.stdout, three.fast.stderr], [3, 'out\n', 'err\n']);

  // -d prints the new id; a name already taken is the same Conflict on both paths.
  const detached = await both(['run', '-d', '--name', 'fast-run-d', '--network', 'none', 'busybox', 'sleep', '300']);
  assert.equal(detached.fast.code, 0, detached.fast.stderr);
  assert.equal(detached.fast.stdout, 'ID\n');
  assert.equal(detached.ref.code, 125);
  assert.match(detached.ref.stderr, /Conflict\. The container name "\/fast-run-d" is already in use/);
  const again = await both(['run', '-d', '--name', 'fast-run-d', '--network', 'none', 'busybox', 'sleep', '300']);
  assert.deepEqual(again.fast, again.ref);
  assert.equal((await daemon().berth(['rm', '-f', 'fast-run-d'])).code, 0);
  // Nothing else is left: every --rm container went.
  const left = await daemon().berth(['ps', '-aq']);
  assert.equal(left.stdout, '', left.stderr);
});
