// Integration tests of how `berth build` gets its context and Dockerfile (a
// directory with .dockerignore, -f inside and outside the context, `-f -`, a
// tar or a Dockerfile on stdin), of intermediate images (hidden from
// `images`, pruned by rmi) and of reproducible builds with SOURCE_DATE_EPOCH.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';
import { contexts, usingCacheCount } from './build-support.ts';

let d: Daemon;
const { context, removeAll } = contexts('/tmp/berth-build-ctx-');

describe('berth build contexts', { timeout: 300_000 }, () => {
  before(async () => {
    d = await startDaemon();
    await ensureBusybox(d);
  });
  after(async () => {
    removeAll();
    await d?.stop();
  });

  it('leaves out what .dockerignore excludes, keeping ! exceptions', async () => {
    const dir = context({
      '.dockerignore': '*.log\nsecret/\n!keep.log\n',
      'a.log': 'no',
      'keep.log': 'yes',
      'secret/key': 'no',
      'app.txt': 'app',
      Dockerfile: 'FROM busybox\nCOPY . /ctx/\nCMD ["ls", "-A", "/ctx"]\n',
    });
    const r = await d.berth(['build', '-t', 'ignored', dir]);
    assert.equal(r.code, 0, r.stderr);
    const run = await d.berth(['run', '--rm', '--network', 'none', 'ignored']);
    assert.equal(run.stdout, '.dockerignore\nDockerfile\napp.txt\nkeep.log\n');
  });

  it('takes -f from inside or outside the context and from stdin', async () => {
    const dir = context({ 'f.txt': 'file\n', 'sub/My.Dockerfile': 'FROM busybox\nCOPY f.txt /\nCMD ["echo", "inside"]\n' });
    const inside = await d.berth(['build', '-q', '-f', join(dir, 'sub/My.Dockerfile'), dir]);
    assert.equal(inside.code, 0, inside.stderr);
    assert.match(inside.stdout.trim(), /^sha256:[0-9a-f]{64}$/);
    const other = context({ 'Outside.Dockerfile': 'FROM busybox\nCOPY f.txt /\nCMD ["cat", "/f.txt"]\n' });
    const outside = await d.berth(['build', '-t', 'outside', '-f', join(other, 'Outside.Dockerfile'), dir]);
    assert.equal(outside.code, 0, outside.stderr);
    assert.equal((await d.berth(['run', '--rm', '--network', 'none', 'outside'])).stdout, 'file\n');
    const stdin = await d.berth(['build', '-t', 'fromstdin', '-f', '-', dir], { input: 'FROM busybox\nCMD ["echo", "stdin"]\n' });
    assert.equal(stdin.code, 0, stdin.stderr);
    assert.equal((await d.berth(['run', '--rm', '--network', 'none', 'fromstdin'])).stdout, 'stdin\n');
  });

  it('reads a tar context or a bare Dockerfile from stdin', async () => {
    const dir = context({ 'x.txt': 'from tar\n', Dockerfile: 'FROM busybox\nCOPY x.txt /\nCMD ["cat", "/x.txt"]\n' });
    const tarball = execFileSync('tar', ['-C', dir, '-cf', '-', '.']);
    const r = await d.berth(['build', '-t', 'tarctx', '-'], { input: tarball });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await d.berth(['run', '--rm', '--network', 'none', 'tarctx'])).stdout, 'from tar\n');
    const bare = await d.berth(['build', '-t', 'barectx', '-'], { input: 'FROM busybox\nRUN echo bare\n' });
    assert.equal(bare.code, 0, bare.stderr);
    assert.match(bare.stdout, /^bare$/m);
  });

  it('hashes copied files the same whether berthd held the context in memory (small) or on disk (over 8 MiB)', async () => {
    const dir = context({
      'a.txt': 'one\n',
      'sub/b.txt': 'b\n',
      Dockerfile: 'FROM busybox\nCOPY a.txt sub /ctx/\nRUN cat /ctx/a.txt /ctx/b.txt > /both\nCMD ["cat", "/both"]\n',
    });
    execFileSync('ln', ['-s', 'b.txt', join(dir, 'sub', 'link')]);
    execFileSync('chmod', ['600', join(dir, 'a.txt')]);
    const small = await d.berth(['build', '-t', 'where', dir]);
    assert.equal(small.code, 0, small.stderr);
    // 9 MiB more in the context, not copied: the COPY's sources are the same, so the step is reused.
    execFileSync('dd', ['if=/dev/urandom', `of=${join(dir, 'big.bin')}`, 'bs=1M', 'count=9'], { stdio: 'ignore' });
    const big = await d.berth(['build', '-t', 'where', dir]);
    assert.equal(big.code, 0, big.stderr);
    assert.equal(usingCacheCount(big.stdout), 3, big.stdout);
    // A changed file in the big context misses, and the step copies it from the context on disk.
    execFileSync('sh', ['-c', `echo two > ${join(dir, 'a.txt')}`]);
    const changed = await d.berth(['build', '-t', 'where', dir]);
    assert.equal(changed.code, 0, changed.stderr);
    assert.equal(usingCacheCount(changed.stdout), 0, changed.stdout);
    const run = await d.berth(['run', '--rm', '--network', 'none', 'where', 'sh', '-c', 'cat /both; ls -l /ctx | tail -n +2 | cut -c1-10; readlink /ctx/link']);
    assert.equal(run.stdout, 'two\nb\n-rw-------\n-rw-r--r--\nlrwxrwxrwx\nb.txt\n');
    // Back to the small context with the first content: the first build's steps again.
    execFileSync('rm', [join(dir, 'big.bin')]);
    execFileSync('sh', ['-c', `echo one > ${join(dir, 'a.txt')}`]);
    const again = await d.berth(['build', '-t', 'where', dir]);
    assert.equal(usingCacheCount(again.stdout), 3, again.stdout);
    const id = (out: string) => /Successfully built (\w+)/.exec(out)?.[1];
    assert.equal(id(again.stdout), id(small.stdout));
  });

  it('hides intermediate images from images and removes them with rmi', async () => {
    const untagged = async (all: boolean) => (await d.json<{ Id: string; RepoTags: string[] }[]>('GET', `/images/json${all ? '?all=1' : ''}`)).body.filter((i) => i.RepoTags.length === 0).map((i) => i.Id).sort();
    const shownBefore = await untagged(false);
    const allBefore = await untagged(true);
    const dir = context({ Dockerfile: 'FROM busybox\nENV A=1\nRUN echo a > /a\nENV B=2\n' });
    const r = await d.berth(['build', '-t', 'chain', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await untagged(false), shownBefore);
    const allAfter = await untagged(true);
    assert.equal(allAfter.length, allBefore.length + 2);
    const rmi = await d.berth(['rmi', 'chain']);
    assert.equal(rmi.code, 0, rmi.stderr);
    assert.match(rmi.stdout, /^Untagged: chain:latest$/m);
    assert.equal(rmi.stdout.split('\n').filter((l) => l.startsWith("Deleted: sha256:")).length >= 3, true, rmi.stdout);
    assert.deepEqual(await untagged(true), allBefore);
  });
});

describe('reproducible builds', { timeout: 300_000 }, () => {
  it('gives the same image id on two empty data roots with SOURCE_DATE_EPOCH', async () => {
    const dir = context({ 'data.txt': 'same\n', Dockerfile: 'FROM busybox\nCOPY data.txt /data.txt\nRUN mkdir /made && echo hi > /made/file\nCMD ["cat", "/data.txt"]\n' });
    const ids: string[] = [];
    let base: Buffer | undefined;
    for (let i = 0; i < 2; i++) {
      const daemon = await startDaemon();
      try {
        // The same base image on both roots: imported once, then saved and loaded.
        if (base === undefined) {
          await ensureBusybox(daemon);
          base = (await daemon.request('GET', '/images/busybox/get')).body;
        } else {
          const load = await daemon.request('POST', '/images/load', base, { 'Content-Type': 'application/x-tar' });
          assert.equal(load.status, 200);
        }
        const r = await daemon.berth(['build', '-q', dir], { env: { SOURCE_DATE_EPOCH: '1700000000' } });
        assert.equal(r.code, 0, r.stderr);
        ids.push(r.stdout.trim());
      } finally {
        await daemon.stop();
      }
    }
    assert.match(ids[0] ?? '', /^sha256:/);
    assert.equal(ids[0], ids[1]);
  });
  after(() => {
    removeAll();
  });
});
