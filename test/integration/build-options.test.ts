// `berth build` options beyond the basics: --secret with RUN --mount=type=secret
// (the value reaches the step, and never a layer, the config or the data
// root), --ssh with RUN --mount=type=ssh, --cache-from (the classic
// builder's cache from an image's history), and --progress=auto|plain|tty|quiet.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';
import { contexts, usingCacheCount } from './build-support.ts';
import { berthBin } from './acceptance-support.ts';

let d: Daemon;
const { context, removeAll } = contexts('/tmp/berth-build-opt-');

describe('berth build options', { timeout: 300_000 }, () => {
  before(async () => {
    d = await startDaemon();
    await ensureBusybox(d);
  });
  after(async () => {
    removeAll();
    await d?.stop();
  });

  it('gives RUN --mount=type=secret the --secret value as a file and a variable, and keeps it out of the image', async () => {
    const value = `s3cr3t-${Date.now()}-value`;
    const md5 = createHash('md5').update(value).digest('hex');
    const secretDir = context({ 'token.txt': value });
    const dir = context({
      Dockerfile:
        'FROM busybox\n' +
        // The Dockerfile (and so the image's history) names only the value's md5.
        `RUN --mount=type=secret,id=tok test "$(md5sum < /run/secrets/tok | cut -c1-32)" = ${md5} && stat -c "file-ok %a %u" /run/secrets/tok\n` +
        `RUN --mount=type=secret,id=tok,env=TOKEN,target=/s/t,mode=0440,uid=7 test "$(printf %s "$TOKEN" | md5sum | cut -c1-32)" = ${md5} && stat -c "env-ok %a %u" /s/t\n` +
        'RUN --mount=type=secret,id=missing ls /run/secrets 2>&1; echo optional-skipped\n' +
        'CMD ["sh", "-c", "ls -A /run /s 2>&1; env"]\n',
    });
    const r = await d.berth(['build', '--secret', `id=tok,src=${join(secretDir, 'token.txt')}`, '-t', 'secrets', dir]);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^file-ok 400 0$/m);
    assert.match(r.stdout, /^env-ok 440 7$/m);
    assert.match(r.stdout, /^optional-skipped$/m);
    assert.ok(!r.stdout.includes(value));
    // Not in any layer nor the config (berth save has both), nor anywhere under the data root.
    const saved = execFileSync(berthBin, ['save', 'secrets'], { env: d.env, maxBuffer: 256 << 20 });
    assert.equal(saved.includes(Buffer.from(value)), false, 'the secret is in the saved image');
    const grep = execFileSync('sh', ['-c', `grep -rlF -- '${value}' '${d.dataRoot}' || true`], { encoding: 'utf8' });
    assert.equal(grep.trim(), '', `the secret is under the data root: ${grep}`);
    const run = await d.berth(['run', '--rm', '--network', 'none', 'secrets']);
    assert.ok(!run.stdout.includes(value));
    assert.doesNotMatch(run.stdout, /^secrets$|^tok$/m);
    // From an environment variable too; a required secret that is missing fails the step.
    const fromEnv = await d.berth(['build', '--secret', 'id=tok,env=MY_TOKEN', '--no-cache', context({ Dockerfile: 'FROM busybox\nRUN --mount=type=secret,id=tok,required cat /run/secrets/tok; echo\n' })], { env: { MY_TOKEN: 'from-env' } });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.match(fromEnv.stdout, /^from-env$/m);
    const missing = await d.berth(['build', context({ Dockerfile: 'FROM busybox\nRUN --mount=type=secret,id=nope,required true\n' })]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /secret nope not found/);
  });

  it('uses the history of a --cache-from image as the build cache', async () => {
    const files = { 'a.txt': 'cache me\n', Dockerfile: 'FROM busybox\nENV X=1\nRUN echo ran-the-step > /ran\nCOPY a.txt /a.txt\nWORKDIR /w\nCMD ["cat", "/ran", "/a.txt"]\n' };
    const dir = context(files);
    const first = await d.berth(['build', '-t', 'cfsrc', dir]);
    assert.equal(first.code, 0, first.stderr);
    // As on a CI machine: only the image itself, without this machine's build cache.
    const tar = join(context({}), 'cfsrc.tar');
    assert.equal((await d.berth(['save', '-o', tar, 'cfsrc'])).code, 0);
    assert.equal((await d.berth(['rmi', 'cfsrc'])).code, 0);
    assert.equal((await d.berth(['load', '-i', tar])).code, 0);
    const withCache = await d.berth(['build', '--cache-from', 'cfsrc', '-t', 'cfnew', dir]);
    assert.equal(withCache.code, 0, withCache.stderr);
    assert.equal(usingCacheCount(withCache.stdout), 5, withCache.stdout);
    assert.doesNotMatch(withCache.stdout, /Running in/);
    const run = await d.berth(['run', '--rm', '--network', 'none', 'cfnew']);
    assert.equal(run.stdout, 'ran-the-step\ncache me\n');
    // A changed file breaks the match from its COPY on; without --cache-from the RUN step runs.
    writeFileSync(join(dir, 'a.txt'), 'changed\n');
    const changed = await d.berth(['build', '--cache-from', 'cfsrc', dir]);
    assert.equal(changed.code, 0, changed.stderr);
    assert.equal(usingCacheCount(changed.stdout), 2, changed.stdout);
    const other = context({ ...files, Dockerfile: files.Dockerfile.replace('ENV X=1', 'ENV X=2') });
    const miss = await d.berth(['build', '--cache-from', 'cfsrc', other]);
    assert.equal(usingCacheCount(miss.stdout), 0, miss.stdout);
    assert.match(miss.stdout, /Running in/);
  });

  it('forwards an ssh agent socket to RUN --mount=type=ssh with --ssh', async () => {
    const agentDir = context({});
    const sock = join(agentDir, 'agent.sock');
    const started = execFileSync('ssh-agent', ['-s', '-a', sock], { encoding: 'utf8' });
    const pid = Number(/SSH_AGENT_PID=(\d+)/.exec(started)?.[1]);
    assert.ok(pid > 0, started);
    try {
      const dir = context({ Dockerfile: 'FROM busybox\nRUN --mount=type=ssh,required test -S "$SSH_AUTH_SOCK" && echo "agent at $SSH_AUTH_SOCK"\nRUN --mount=type=ssh,id=other,target=/o.sock test -S /o.sock && echo other-ok\nCMD ["sh", "-c", "ls /run/buildkit /o.sock 2>&1 | wc -l"]\n' });
      const r = await d.berth(['build', '--ssh', 'default', '--ssh', `other=${sock}`, '-t', 'sshimg', dir], { env: { SSH_AUTH_SOCK: sock } });
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /^agent at \/run\/buildkit\/ssh_agent\.0$/m);
      assert.match(r.stdout, /^other-ok$/m);
      const run = await d.berth(['run', '--rm', '--network', 'none', 'sshimg']);
      assert.equal(run.stdout.trim(), '2', 'no mount point in the image');
      const missing = await d.berth(['build', '--no-cache', dir]);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /no SSH key "default" forwarded from the client/);
    } finally {
      process.kill(pid, 'SIGTERM');
    }
  });

  it('shows progress as plain lines, a live tty view, or only the id', async () => {
    const dir = context({ Dockerfile: 'FROM busybox\nRUN echo first-output && echo second-output\nCMD ["true"]\n' });
    const plain = await d.berth(['build', '--progress=plain', '--no-cache', dir]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^Step 2\/3 : RUN echo first-output && echo second-output\n ---> Running in [0-9a-f]{12}\nfirst-output\nsecond-output\n/m);
    assert.doesNotMatch(plain.stdout, /\x1b\[/);
    // auto on a pipe is plain.
    const auto = await d.berth(['build', dir]);
    assert.match(auto.stdout, /^Step 1\/3 : FROM busybox$/m);
    assert.doesNotMatch(auto.stdout, /\x1b\[/);

    const tty = await d.berth(['build', '--progress=tty', '--no-cache', dir]);
    assert.equal(tty.code, 0, tty.stderr);
    assert.match(tty.stdout, /\x1b\[\d+A\r\x1b\[J/, 'redraws in place');
    assert.match(tty.stdout, /\[\+\] Building \d+\.\ds/);
    assert.match(tty.stdout, /(?:^|\x1b\[J) ✔ \[2\/3\] RUN echo first-output && echo second-output {2}\d+\.\ds$/m);
    assert.match(tty.stdout, /\x1b\[2m {3}second-output\x1b\[0m/, 'the running step\'s output, dimmed');
    assert.match(tty.stdout, /^Successfully built [0-9a-f]{12}$/m);
    assert.doesNotMatch(tty.stdout, /^Step \d/m);
    const cached = await d.berth(['build', '--progress=tty', dir]);
    assert.match(cached.stdout, /(?:^|\x1b\[J) ✔ \[2\/3\] RUN echo first-output && echo second-output {2}CACHED$/m);
    const failing = await d.berth(['build', '--progress=tty', context({ Dockerfile: 'FROM busybox\nRUN echo l1; echo l2; echo l3; exit 5\n' })]);
    assert.equal(failing.code, 5);
    assert.match(failing.stdout, /--- output of \[2\/2\] RUN echo l1; echo l2; echo l3; exit 5 ---\nl1\nl2\nl3\n/);

    const quiet = await d.berth(['build', '--progress=quiet', dir]);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.match(quiet.stdout, /^sha256:[0-9a-f]{64}\n$/);
    const bad = await d.berth(['build', '--progress=fancy', dir]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid progress mode "fancy"/);
  });
});
