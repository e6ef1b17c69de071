// The lecture demo of issue 5 as a test, on a Debian bookworm base image made
// locally (debian-fixture.ts): apt-get installs python3-pandas in a RUN step
// (over the default bridge: its own netns, NAT to Debian's archive), COPY adds
// a script, `berth run` prints what it prints; editing the script reruns only
// COPY and what follows; the docker CLI's classic builder builds it against
// berthd too; `apt install git` without -y aborts at once, naming the step.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type Daemon } from './harness.ts';
import { contexts } from './build-support.ts';
import { berthBin, q, sh } from './acceptance-support.ts';
import { ensureDebian } from './debian-fixture.ts';

let d: Daemon;
const { context, removeAll } = contexts('/tmp/berth-build-demo-');

const dockerfile = 'FROM debian:bookworm\nRUN apt-get update && apt-get install -y python3-pandas\nCOPY hello.py /hello.py\nCMD ["python3", "/hello.py"]\n';
const hello = (word: string) => `import pandas as pd\nframe = pd.DataFrame({"word": ["${word}"], "n": [3]})\nprint(frame.loc[0, "word"] * int(frame["n"].sum()), pd.__version__.split(".")[0])\n`;

/** The step blocks of classic-builder output: `Step i/n : text` and the lines until the next step. */
function steps(out: string): { text: string; body: string }[] {
  return out.split(/^(?=Step \d+\/\d+ : )/m).filter((b) => b.startsWith('Step ')).map((b) => ({ text: (b.split('\n')[0] ?? '').replace(/^Step \d+\/\d+ : /, ''), body: b }));
}

describe('the lecture demo: apt-get, COPY and CMD on Debian', { timeout: 900_000 }, () => {
  before(async () => {
    d = await startDaemon();
    await ensureDebian(d);
  });
  after(async () => {
    removeAll();
    await d?.stop();
  });

  it('builds with berth build, runs, and reruns only COPY and later steps after hello.py changes', async () => {
    const dir = context({ Dockerfile: dockerfile, 'hello.py': hello('ab') });
    // As the user types it: in the directory, `berth build . -t demo`.
    const build = () => sh(`cd ${q(dir)} && ${q(berthBin)} build . -t demo`, { env: d.env, timeoutMs: 600_000 });
    const first = await build();
    assert.equal(first.code, 0, `${first.stdout.slice(-2000)}\n${first.stderr}`);
    assert.match(first.stdout, /Setting up python3-pandas/);
    assert.match(first.stdout, /^Successfully tagged demo:latest$/m);
    const run = await d.berth(['run', '--rm', 'demo'], { timeoutMs: 60_000 });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^ababab \d+\n$/);

    writeFileSync(join(dir, 'hello.py'), hello('cd'));
    const second = await build();
    assert.equal(second.code, 0, second.stderr);
    const s = steps(second.stdout);
    assert.deepEqual(s.map((x) => x.text), ['FROM debian:bookworm', 'RUN apt-get update && apt-get install -y python3-pandas', 'COPY hello.py /hello.py', 'CMD ["python3", "/hello.py"]']);
    assert.match(s[1]?.body ?? '', /^ ---> Using cache$/m, 'the RUN step is reused');
    assert.doesNotMatch(s[1]?.body ?? '', /Running in/);
    assert.doesNotMatch(s[2]?.body ?? '', /Using cache/, 'the COPY step runs again');
    assert.doesNotMatch(s[3]?.body ?? '', /Using cache/, 'the CMD after it runs again');
    const rerun = await d.berth(['run', '--rm', 'demo'], { timeoutMs: 60_000 });
    assert.match(rerun.stdout, /^cdcdcd \d+\n$/);
  });

  it('builds the same directory with the docker CLI\'s classic builder against berthd', async () => {
    const dir = context({ Dockerfile: dockerfile, 'hello.py': hello('ef') });
    const r = await d.docker(['build', '-t', 'demo-docker', dir], { env: { DOCKER_BUILDKIT: '0' }, timeoutMs: 600_000 });
    assert.equal(r.code, 0, `${r.stdout.slice(-2000)}\n${r.stderr}`);
    assert.match(r.stdout, /^Successfully tagged demo-docker:latest$/m);
    const run = await d.docker(['run', '--rm', 'demo-docker'], { timeoutMs: 60_000 });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^efefef \d+\n$/);
  });

  it('fails `apt install git` without -y within seconds with apt\'s Abort., naming the step, command and exit code', async () => {
    // The demo image has apt's package lists, so apt gets as far as its question.
    const dir = context({ Dockerfile: 'FROM demo\nRUN apt install git\nRUN echo never\n' });
    const t0 = Date.now();
    const r = await d.berth(['build', dir], { timeoutMs: 60_000 });
    const ms = Date.now() - t0;
    assert.ok(ms < 20_000, `took ${ms} ms`);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /Do you want to continue\? \[Y\/n\] Abort\./);
    assert.doesNotMatch(r.stdout, /never/);
    assert.match(r.stderr, /Step 2\/3 : RUN apt install git/);
    assert.match(r.stderr, /The command '\/bin\/sh -c apt install git' returned a non-zero code: 1/);
    // With -q the step's output still shows on failure.
    const quiet = await d.berth(['build', '-q', dir], { timeoutMs: 60_000 });
    assert.equal(quiet.code, 1);
    assert.match(quiet.stderr, /Abort\./);
    assert.match(quiet.stderr, /Step 2\/3 : RUN apt install git/);
  });
});
