// The --format template engine checked against the docker CLI's own: every template
// of src/cli-kit/template/corpus.json runs through the docker v28 CLI and through berth,
// both pointed at ONE berthd. The docker CLI executes templates client-side, so the
// daemon's answers are the same bytes for both and any difference in stdout, stderr
// or exit code is the template engine's (or the CLI's rendering of the same data).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';
import { repoRoot, run } from './acceptance-support.ts';

const docker = '/usr/local/bin/docker';
const corpus = JSON.parse(readFileSync(join(repoRoot, 'src/cli-kit/template/corpus.json'), 'utf8')) as { cases: [string, string][] };
let d: Daemon;

before(async () => {
  d = await startDaemon();
  await ensureBusybox(d);
  const dk = (args: string[]) => run(docker, args, { env: d.env });
  const v = await dk(['version', '--format', '{{.Client.Version}}']);
  assert.match(v.stdout, /^28\./, 'the docker v28 CLI is the oracle');
  assert.equal((await dk(['network', 'create', 'tcnet'])).code, 0);
  const r = await dk(['run', '-d', '--name', 'tc-web', '--network', 'tcnet', '-l', 'a=1', '-l', 'b=two', '-e', 'FOO=bar', 'busybox', 'sleep', '300']);
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  await d?.stop();
});

function argv(cmd: string, format: string): string[] {
  const target: Record<string, string[]> = {
    'container inspect': ['tc-web'], 'network inspect': ['tcnet'], 'image inspect': ['busybox:latest'],
    ps: ['--filter', 'name=tc-web'], images: ['busybox'], version: [],
  };
  return [...cmd.split(' '), '--format', format, ...(target[cmd] ?? [])];
}

for (const [cmd, format] of corpus.cases) {
  test(`${cmd} --format ${JSON.stringify(format)} prints what the docker CLI prints`, async () => {
    const args = argv(cmd, format);
    const [want, got] = await Promise.all([
      run(docker, args, { env: d.env }),
      d.berth(args),
    ]);
    assert.deepEqual({ code: got.code, stdout: got.stdout, stderr: got.stderr }, { code: want.code, stdout: want.stdout, stderr: want.stderr });
  });
}
