// Integration tests of Dockerfile builds through a private berthd: `berth build`
// and the real docker CLI (classic builder) — RUN/COPY/ADD layers, metadata,
// the build cache, failing steps, multi-stage builds and --target.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';
import { contexts, usingCacheCount } from './build-support.ts';

let d: Daemon;
const { context, removeAll } = contexts('/tmp/berth-build-ctx-');

describe('berth build', { timeout: 300_000 }, () => {
  before(async () => {
    d = await startDaemon();
    await ensureBusybox(d);
  });
  after(async () => {
    removeAll();
    await d?.stop();
  });

  it('builds RUN, COPY, ENV, WORKDIR and CMD steps into an image that runs', async () => {
    const dir = context({
      'hello.txt': 'hello world\n',
      Dockerfile: 'FROM busybox\nARG X=1\nENV A=$X\nRUN echo running $A && mkdir /made && echo x > /made/f && rm /bin/ls\nCOPY hello.txt /app/\nWORKDIR /app\nCMD ["cat", "hello.txt"]\n',
    });
    const r = await d.berth(['build', '-t', 'app', '-t', 'app:v2', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Successfully tagged app:v2$/m);
    assert.match(r.stdout, /^Step 1\/7 : FROM busybox$/m);
    assert.match(r.stdout, /^ ---> Running in [0-9a-f]{12}$/m);
    assert.match(r.stdout, /^running 1$/m);
    assert.match(r.stdout, /^Successfully built [0-9a-f]{12}$/m);
    assert.match(r.stdout, /^Successfully tagged app:latest$/m);
    const run = await d.berth(['run', '--rm', '--network', 'none', 'app']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'hello world\n');
    const check = await d.berth(['run', '--rm', '--network', 'none', 'app', 'sh', '-c', 'cat /made/f; test -e /bin/ls && echo ls-still-there; echo "A=$A"; pwd']);
    assert.equal(check.stdout, 'x\nA=1\n/app\n');
    const inspect = await d.json<{ Config: { Cmd: string[]; WorkingDir: string; Env: string[] } }>('GET', '/images/app/json');
    assert.deepEqual(inspect.body.Config.Cmd, ['cat', 'hello.txt']);
    assert.equal(inspect.body.Config.WorkingDir, '/app');
    assert.ok(inspect.body.Config.Env.includes('A=1'));
  });

  it('reuses every step on an unchanged rebuild and reruns from a changed COPY on', async () => {
    const dir = context({ 'a.txt': 'one\n', Dockerfile: 'FROM busybox\nRUN echo first > /first\nCOPY a.txt /a.txt\nRUN cat /a.txt > /b.txt\nCMD ["cat", "/b.txt"]\n' });
    const first = await d.berth(['build', '-t', 'cachetest', dir]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(usingCacheCount(first.stdout), 0);
    const second = await d.berth(['build', '-t', 'cachetest', dir]);
    assert.equal(usingCacheCount(second.stdout), 4, second.stdout);
    const id = (s: string) => /Successfully built (\w+)/.exec(s)?.[1];
    assert.equal(id(second.stdout), id(first.stdout));
    writeFileSync(join(dir, 'a.txt'), 'two\n');
    const third = await d.berth(['build', '-t', 'cachetest', dir]);
    assert.equal(usingCacheCount(third.stdout), 1, third.stdout);
    assert.match(third.stdout, /Step 2\/5 : RUN echo first > \/first\n ---> Using cache/);
    const run = await d.berth(['run', '--rm', '--network', 'none', 'cachetest']);
    assert.equal(run.stdout, 'two\n');
    const nocache = await d.berth(['build', '--no-cache', '-t', 'cachetest', dir]);
    assert.equal(usingCacheCount(nocache.stdout), 0);
  });

  it('records deletions as whiteouts and a recreated directory as opaque', async () => {
    const dir = context({ Dockerfile: 'FROM busybox\nRUN mkdir -p /d/sub && touch /d/old /d/sub/x /gone\nRUN rm -rf /d /gone && mkdir /d && touch /d/new\nCMD ["sh", "-c", "ls -A /d; test -e /gone || echo no-gone"]\n' });
    const r = await d.berth(['build', '-t', 'whiteouts', dir]);
    assert.equal(r.code, 0, r.stderr);
    const run = await d.berth(['run', '--rm', '--network', 'none', 'whiteouts']);
    assert.equal(run.stdout, 'new\nno-gone\n');
  });

  it('fails a build on a failing RUN with docker\'s message and the command\'s exit code', async () => {
    const dir = context({ Dockerfile: 'FROM busybox\nRUN exit 3\nRUN echo never\n' });
    const r = await d.berth(['build', dir]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /The command '\/bin\/sh -c exit 3' returned a non-zero code: 3/);
    assert.doesNotMatch(r.stdout, /never/);
  });

  it('closes stdin of RUN steps so that a command reading it does not hang', async () => {
    const dir = context({ Dockerfile: 'FROM busybox\nRUN read line || echo got-eof\n' });
    const r = await d.berth(['build', dir], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^got-eof$/m);
  });

  it('builds a two-stage Dockerfile into a small scratch image with COPY --from', async () => {
    const dir = context({
      Dockerfile: 'FROM busybox AS build\nRUN mkdir /out && echo built > /out/msg && cp /bin/busybox /out/busybox\nFROM scratch\nCOPY --from=build /out/ /\nCMD ["/busybox", "cat", "/msg"]\n',
    });
    const r = await d.berth(['build', '-t', 'twostage', dir]);
    assert.equal(r.code, 0, r.stderr);
    const run = await d.berth(['run', '--rm', '--network', 'none', 'twostage']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'built\n');
    const inspect = await d.json<{ RootFS: { Layers: string[] } }>('GET', '/images/twostage/json');
    assert.equal(inspect.body.RootFS.Layers.length, 1);
  });

  it('builds only the stages the target needs', async () => {
    const dir = context({ Dockerfile: 'FROM busybox AS a\nRUN echo stage-a\nFROM busybox AS b\nRUN echo stage-b\nFROM a AS c\nRUN echo stage-c\n' });
    const r = await d.berth(['build', '--target', 'c', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^stage-a$/m);
    assert.match(r.stdout, /^stage-c$/m);
    assert.doesNotMatch(r.stdout, /stage-b/);
    const bad = await d.berth(['build', '--target', 'nope', dir]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /failed to reach build target nope in Dockerfile/);
  });

  it('runs independent stages in parallel and prints their steps in Dockerfile order', async () => {
    // A rendezvous, not a stopwatch: each stage announces itself in a shared
    // cache mount and waits (up to 20 s) for the other. Run one after the
    // other, the first stage would give up and record "alone".
    const meet = (me: string, other: string) =>
      `RUN --mount=type=cache,target=/meet,id=parallel touch /meet/${me} && i=0; ` +
      `while [ ! -e /meet/${other} ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done; ` +
      `if [ -e /meet/${other} ]; then echo met > /${me}; else echo alone > /${me}; fi`;
    const dir = context({
      Dockerfile: `FROM busybox AS a\n${meet('a', 'b')}\nFROM busybox AS b\n${meet('b', 'a')}\nFROM busybox\nCOPY --from=a /a /a\nCOPY --from=b /b /b\nCMD ["cat", "/a", "/b"]\n`,
    });
    const r = await d.berth(['build', '--no-cache', '-t', 'parallel', dir]);
    assert.equal(r.code, 0, r.stderr);
    const steps = [...r.stdout.matchAll(/^Step (\d+)\/8 /gm)].map((m) => Number(m[1]));
    assert.deepEqual(steps, [1, 2, 3, 4, 5, 6, 7, 8]);
    const run = await d.berth(['run', '--rm', '--network', 'none', 'parallel']);
    assert.equal(run.stdout, 'met\nmet\n');
    // The rendezvous directory is a build cache of its own: gone, so the next test counts only its own.
    assert.equal((await d.json('POST', '/build/prune')).status, 200);
  });

  it('gives RUN --mount cache, bind and tmpfs mounts that stay out of the image', async () => {
    const dir = context({
      'f.txt': 'bound\n',
      Dockerfile:
        'FROM busybox\nRUN --mount=type=cache,target=/cache echo kept > /cache/k\nRUN --mount=type=cache,target=/cache cat /cache/k\n' +
        'RUN --mount=type=bind,source=f.txt,target=/mnt/f.txt cat /mnt/f.txt\nRUN --mount=type=tmpfs,target=/t touch /t/x\n' +
        'CMD ["sh", "-c", "ls /cache /mnt /t 2>&1 | wc -l"]\n',
    });
    const r = await d.berth(['build', '-t', 'mounts', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^kept$/m);
    assert.match(r.stdout, /^bound$/m);
    const run = await d.berth(['run', '--rm', '--network', 'none', 'mounts']);
    assert.equal(run.stdout.trim(), '3');
    const prune = await d.json<{ CachesDeleted: string[]; SpaceReclaimed: number }>('POST', '/build/prune');
    assert.equal(prune.status, 200);
    assert.equal(prune.body.CachesDeleted.length, 1);
    assert.ok(prune.body.SpaceReclaimed > 0);
  });

  it('copies with wildcards, --chown and --chmod, and ADD extracts a local tar', async () => {
    const dir = context({ 'a.txt': 'a', 'b.txt': 'b', 'c.md': 'c', 'sub/x': 'x' });
    execFileSync('tar', ['-C', join(dir, 'sub'), '-czf', join(dir, 'arch.tar.gz'), 'x']);
    writeFileSync(
      join(dir, 'Dockerfile'),
      'FROM busybox\nCOPY *.txt /w/\nCOPY --chown=1000:1000 --chmod=600 c.md /owned.md\nCOPY sub /subcopy\nADD arch.tar.gz /extracted/\n' +
        'CMD ["sh", "-c", "ls /w; stat -c \'%u:%g %a\' /owned.md; ls /subcopy; cat /extracted/x"]\n',
    );
    const r = await d.berth(['build', '-t', 'copies', dir]);
    assert.equal(r.code, 0, r.stderr);
    const run = await d.berth(['run', '--rm', '--network', 'none', 'copies']);
    assert.equal(run.stdout, 'a.txt\nb.txt\n1000:1000 600\nx\nx');
  });

  it('downloads ADD URLs without extracting them, with mode 0600', async () => {
    const { createServer } = await import('node:http');
    const payload = execFileSync('tar', ['-czf', '-', '-C', '/etc', 'hostname']);
    const server = createServer((req, res) => {
      if (req.url === '/files/data.tar.gz') res.end(payload);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (server.address() as { port: number }).port;
      const dir = context({ Dockerfile: `FROM busybox\nADD http://127.0.0.1:${port}/files/data.tar.gz /dl/\nCMD ["stat", "-c", "%n %a %s", "/dl/data.tar.gz"]\n` });
      const r = await d.berth(['build', '-t', 'addurl', dir]);
      assert.equal(r.code, 0, r.stderr);
      const run = await d.berth(['run', '--rm', '--network', 'none', 'addurl']);
      assert.equal(run.stdout, `/dl/data.tar.gz 600 ${payload.length}\n`);
      const missing = context({ Dockerfile: `FROM busybox\nADD http://127.0.0.1:${port}/nope /x\n` });
      const bad = await d.berth(['build', missing]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /404/);
    } finally {
      server.close();
    }
  });

  it('creates a WORKDIR that the image lacks, relative ones under the current one', async () => {
    const dir = context({ Dockerfile: 'FROM busybox\nWORKDIR /srv\nWORKDIR app\nRUN pwd > /where\nCMD ["sh", "-c", "cat /where; ls -d /srv/app"]\n' });
    const r = await d.berth(['build', '-t', 'workdir', dir]);
    assert.equal(r.code, 0, r.stderr);
    const run = await d.berth(['run', '--rm', '--network', 'none', 'workdir']);
    assert.equal(run.stdout, '/srv/app\n/srv/app\n');
  });

  it('runs heredoc scripts and writes heredoc files', async () => {
    const dir = context({ Dockerfile: 'FROM busybox\nARG WHO=world\nRUN <<EOF\necho one\necho two > /two\nEOF\nRUN cat <<EOT > /three\nthree\nEOT\nCOPY <<EOF /greeting\nhello $WHO\nEOF\nCMD ["cat", "/two", "/three", "/greeting"]\n' });
    const r = await d.berth(['build', '-t', 'heredoc', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^one$/m);
    const run = await d.berth(['run', '--rm', '--network', 'none', 'heredoc']);
    assert.equal(run.stdout, 'two\nthree\nhello world\n');
  });

  it('records metadata instructions in the config and as empty history entries', async () => {
    const dir = context({
      Dockerfile: 'FROM busybox\nLABEL a=b\nEXPOSE 80 53/udp\nUSER 1000\nVOLUME /data\nSTOPSIGNAL SIGINT\nENTRYPOINT ["echo"]\nHEALTHCHECK --interval=5s CMD true\nONBUILD RUN echo triggered\n',
    });
    const r = await d.berth(['build', '-t', 'meta', '--label', 'extra=1', dir]);
    assert.equal(r.code, 0, r.stderr);
    const { body } = await d.json<{ Config: Record<string, unknown> }>('GET', '/images/meta/json');
    const c = body.Config;
    assert.deepEqual(c['Labels'], { a: 'b', extra: '1' });
    assert.deepEqual(Object.keys(c['ExposedPorts'] as object).sort(), ['53/udp', '80/tcp']);
    assert.equal(c['User'], '1000');
    assert.deepEqual(Object.keys(c['Volumes'] as object), ['/data']);
    assert.equal(c['StopSignal'], 'SIGINT');
    assert.deepEqual(c['Entrypoint'], ['echo']);
    assert.equal(c['Cmd'], null);
    assert.deepEqual(c['OnBuild'], ['RUN echo triggered']);
    const child = context({ Dockerfile: 'FROM meta\nUSER 0\n' });
    const r2 = await d.berth(['build', child]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.match(r2.stdout, /^triggered$/m);
    const hist = await d.json<{ CreatedBy: string; Size: number }[]>('GET', '/images/meta/history');
    // dockerd's text: "#(nop) " and the instruction joined as two words.
    assert.match(hist.body[hist.body.length - 2]?.CreatedBy ?? '', /#\(nop\)  LABEL a=b/);
  });

  it('builds with the docker CLI through the classic builder', async () => {
    const dir = context({ 'f.txt': 'from docker\n', Dockerfile: 'FROM busybox\nCOPY f.txt /f.txt\nRUN cat /f.txt\nCMD ["cat", "/f.txt"]\n' });
    const r = await d.docker(['build', '-t', 'viadocker', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Successfully tagged viadocker:latest/);
    const legacy = await d.docker(['build', '-q', '-t', 'viadocker2', dir], { env: { DOCKER_BUILDKIT: '0' } });
    assert.equal(legacy.code, 0, legacy.stderr);
    assert.match(legacy.stdout.trim(), /^sha256:[0-9a-f]{64}$/);
    const run = await d.berth(['run', '--rm', '--network', 'none', 'viadocker']);
    assert.equal(run.stdout, 'from docker\n');
    const fail = await d.docker(['build', context({ Dockerfile: 'FROM busybox\nRUN exit 7\n' })]);
    assert.equal(fail.code, 7);
    assert.match(fail.stderr, /returned a non-zero code: 7/);
  });
});
