// `cp` through the archive API, compared with Docker: the same two containers
// (a running `live` with a volume, a created `dead`) on a private berthd and on
// a private dockerd (the oracle). berth cp against berthd must copy what docker
// cp copies from dockerd (names, types, modes, owners, link targets, contents)
// and print dockerd's messages; the archive API's path stat and its refusal of
// a tar that climbs out are compared with dockerd's answers too. The docker CLI
// against berthd is checked as a client. Without dockerd the tests fail.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBusybox, httpRequest, startDaemon, type Daemon, type HttpResult } from './harness.ts';
import { berthBin, show, startPrivateDockerd, type PrivateDockerd, type RunResult } from './acceptance-support.ts';

let d: Daemon;
let oracle: PrivateDockerd;
let tmp: string;
const marker = `cp-escape-${process.pid}`;

const setup = 'mkdir -p /data/sub && echo hello > /data/a.txt && chmod 0751 /data/a.txt && ln -s a.txt /data/link && echo v > /vol/v.txt && sleep 1000';

/** The same containers on either engine, through its own CLI (berth for berthd, docker for dockerd). */
async function makeContainers(cli: (args: readonly string[]) => Promise<RunResult>): Promise<void> {
  let r = await cli(['run', '-d', '--name', 'live', '--network', 'none', '-v', 'cpvol:/vol', 'busybox', 'sh', '-c', setup]);
  assert.equal(r.code, 0, show(r));
  r = await cli(['create', '--name', 'dead', '--network', 'none', 'busybox', 'true']);
  assert.equal(r.code, 0, show(r));
  for (let i = 0; i < 50; i++) {
    if ((await cli(['exec', 'live', 'test', '-f', '/vol/v.txt'])).code === 0) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('the live container did not finish its set-up');
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'cp-cmp-'));
  const [b, k] = await Promise.allSettled([startDaemon(), startPrivateDockerd()]);
  if (b.status === 'fulfilled') d = b.value;
  if (k.status === 'fulfilled') oracle = k.value;
  if (b.status === 'rejected') throw b.reason;
  if (k.status === 'rejected') throw k.reason;
  await Promise.all([ensureBusybox(d), ensureBusybox(oracle)]);
  await makeContainers((a) => d.berth(a));
  await makeContainers((a) => oracle.docker(a));
});

after(async () => {
  await Promise.allSettled([d?.stop(), oracle?.stop()]);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** A fresh directory under tmp for one side of one comparison. */
function place(name: string): string {
  const p = join(tmp, name);
  mkdirSync(p, { recursive: true });
  return p;
}

interface Node { readonly path: string; readonly type: string; readonly mode: number; readonly uid: number; readonly gid: number; readonly target?: string; readonly sha?: string }

/** What a copied tree holds, sorted by path: what `cp` must keep (no times). */
function treeOf(root: string, skip: (rel: string) => boolean = () => false): Node[] {
  const out: Node[] = [];
  const walk = (rel: string) => {
    const abs = join(root, rel);
    const st = lstatSync(abs);
    const type = st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
    out.push({
      path: rel === '' ? '.' : rel, type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid,
      ...(type === 'link' ? { target: readlinkSync(abs) } : {}),
      ...(type === 'file' ? { sha: createHash('sha256').update(readFileSync(abs)).digest('hex') } : {}),
    });
    if (type === 'dir') for (const n of readdirSync(abs).sort()) if (!skip(join(rel, n))) walk(join(rel, n));
  };
  walk('');
  return out;
}

/** `cp args` on both engines (berth→berthd, docker→dockerd), with `{}` in args standing for each side's own directory. */
async function cpBoth(args: readonly string[], dirName: string): Promise<{ berth: RunResult; docker: RunResult; berthDir: string; dockerDir: string }> {
  const berthDir = place(`b-${dirName}`);
  const dockerDir = place(`k-${dirName}`);
  // Each side's directory is read back as {} in what it prints.
  const own = (r: RunResult, dir: string): RunResult => ({ code: r.code, stdout: r.stdout.replaceAll(dir, '{}'), stderr: r.stderr.replaceAll(dir, '{}') });
  const berth = own(await d.berth(['cp', ...args.map((a) => a.replace('{}', berthDir))]), berthDir);
  const docker = own(await oracle.docker(['cp', ...args.map((a) => a.replace('{}', dockerDir))]), dockerDir);
  return { berth, docker, berthDir, dockerDir };
}

/**
 * The docker CLI may log its own tar writer's failure (`time="…" level=error
 * msg="Can't add file … to tar: io: read/write on closed pipe"`) when the daemon
 * refuses an upload early; that is the CLI's goroutine racing, not an answer.
 */
const withoutCliLog = (s: string) => s.split('\n').filter((l) => !/^time="[^"]+" level=error msg=/.test(l)).join('\n');

function assertSameResult(b: RunResult, k: RunResult, what: string, normalize: (s: string) => string = withoutCliLog): void {
  assert.equal(b.code, k.code, `exit code of ${what}: berth ${show(b)} vs docker→dockerd ${show(k)}\n${d.logTail(20)}`);
  assert.equal(normalize(b.stdout), normalize(k.stdout), `stdout of ${what}`);
  assert.equal(normalize(b.stderr.replaceAll('berth', 'docker')), normalize(k.stderr), `stderr of ${what}`);
}

/** A CLI's stdout as bytes (a tar). */
async function rawStdout(env: NodeJS.ProcessEnv, cli: 'berth' | 'docker', args: readonly string[]): Promise<Buffer> {
  const { spawn } = await import('node:child_process');
  const child = spawn(cli === 'berth' ? berthBin : 'docker', args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const chunks: Buffer[] = [];
  for await (const c of child.stdout) chunks.push(c as Buffer);
  const code = await new Promise<number | null>((r) => child.once('close', r));
  assert.equal(code, 0, `${cli} ${args.join(' ')} exited ${code}`);
  return Buffer.concat(chunks);
}

interface TarEntry { readonly name: string; readonly type: string; readonly mode: number; readonly uid: number; readonly gid: number; readonly size: number; readonly linkname: string | null; readonly sha?: string }

/** The entries of a tar: names, types, permission bits, owners, sizes, link names and contents (no times). */
async function tarEntries(buf: Buffer): Promise<TarEntry[]> {
  const { extract } = await import('tar-stream');
  const { Readable } = await import('node:stream');
  const ex = extract();
  const out: TarEntry[] = [];
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (h, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        out.push({
          name: h.name, type: h.type ?? 'file', mode: (h.mode ?? 0) & 0o7777, uid: h.uid ?? 0, gid: h.gid ?? 0, size: h.size ?? 0, linkname: h.linkname ?? null,
          ...(h.type === 'file' ? { sha: createHash('sha256').update(Buffer.concat(chunks)).digest('hex') } : {}),
        });
        next();
      });
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  Readable.from([buf]).pipe(ex);
  await done;
  return out;
}

async function statOf(r: HttpResult): Promise<unknown> {
  const h = r.headers['x-docker-container-path-stat'];
  if (h === undefined) return undefined;
  const stat = JSON.parse(Buffer.from(String(h), 'base64').toString()) as Record<string, unknown>;
  return { ...stat, mtime: typeof stat['mtime'] === 'string' ? '<time>' : stat['mtime'] };
}

test('HEAD archive answers the path stat as dockerd does (Go FileMode bits, link target)', async () => {
  // The kernel filesystems' mount points answer as the rootfs holds them (the init layer's), not as mounted.
  for (const path of ['/data/link', '/data', '/data/a.txt', '/nope', '/proc', '/sys', '/dev/console', '/dev/pts', '/proc/self/status', '/proc/self/root/etc/shadow', '/proc/1/root/etc/passwd']) {
    const b = await d.request('HEAD', `/containers/live/archive?path=${encodeURIComponent(path)}`);
    const k = await httpRequest(oracle.socket, 'HEAD', `/containers/live/archive?path=${encodeURIComponent(path)}`);
    assert.equal(b.status, k.status, `HEAD ${path}`);
    const bs = await statOf(b);
    const ks = await statOf(k);
    // Sizes of directories are the filesystem's, not the engine's.
    const noDirSize = (s: unknown) => (s && typeof s === 'object' && ((s as { mode: number }).mode & 2 ** 31) !== 0 ? { ...s, size: '<size>' } : s);
    assert.deepEqual(noDirSize(bs), noDirSize(ks), `path stat of ${path}`);
  }
  // Through the kernel's /proc of the container, a GET reaches nothing either (dockerd: its rootfs's empty /proc).
  for (const path of ['/proc/self/root/etc/shadow', '/proc/1/root/etc/passwd']) {
    const b = await d.request('GET', `/containers/live/archive?path=${encodeURIComponent(path)}`);
    const k = await httpRequest(oracle.socket, 'GET', `/containers/live/archive?path=${encodeURIComponent(path)}`);
    assert.equal(b.status, k.status, `GET ${path}`);
    assert.equal(b.body.toString().trim(), k.body.toString().trim(), `GET ${path}`);
  }
  const link = await statOf(await d.request('HEAD', '/containers/live/archive?path=/data/link')) as { mode: number; linkTarget: string };
  assert.equal(link.mode, 2 ** 27 + 0o777);
  assert.equal(link.linkTarget, '/data/a.txt');
});

test('berth cp copies a directory out of a running container as docker cp does from dockerd', async () => {
  const r = await cpBoth(['live:/data', '{}/out'], 'dir-out');
  assertSameResult(r.berth, r.docker, 'cp live:/data');
  assert.deepEqual(treeOf(join(r.berthDir, 'out')), treeOf(join(r.dockerDir, 'out')));
  assert.equal(readFileSync(join(r.berthDir, 'out', 'a.txt'), 'utf8'), 'hello\n');
  assert.equal(lstatSync(join(r.berthDir, 'out', 'a.txt')).mode & 0o7777, 0o751);
  assert.equal(readlinkSync(join(r.berthDir, 'out', 'link')), 'a.txt');
});

test('berth cp with a trailing /. copies the contents and -L follows a symlink, as docker cp', async () => {
  let r = await cpBoth(['live:/data/.', '{}'], 'dot');
  assertSameResult(r.berth, r.docker, 'cp live:/data/.');
  assert.deepEqual(treeOf(r.berthDir), treeOf(r.dockerDir));
  assert.ok(existsSync(join(r.berthDir, 'a.txt')));
  r = await cpBoth(['-L', 'live:/data/link', '{}/followed'], 'follow');
  assertSameResult(r.berth, r.docker, 'cp -L live:/data/link');
  assert.deepEqual(treeOf(r.berthDir), treeOf(r.dockerDir));
  assert.equal(readFileSync(join(r.berthDir, 'followed'), 'utf8'), 'hello\n');
});

test('berth cp reads a volume mounted in the container, as docker cp', async () => {
  const r = await cpBoth(['live:/vol/v.txt', '{}/v.txt'], 'vol');
  assertSameResult(r.berth, r.docker, 'cp live:/vol/v.txt');
  assert.deepEqual(treeOf(r.berthDir), treeOf(r.dockerDir));
  assert.equal(readFileSync(join(r.berthDir, 'v.txt'), 'utf8'), 'v\n');
});

test('berth cp copies into a running container and into a stopped one, as docker cp', async () => {
  const src = place('src');
  writeFileSync(join(src, 'f'), 'payload\n');
  chmodSync(join(src, 'f'), 0o640);
  symlinkSync('f', join(src, 'l'));
  const into = async (cli: (a: readonly string[]) => Promise<RunResult>, back: string) => {
    const steps: RunResult[] = [];
    steps.push(await cli(['cp', src, 'live:/tmp/']));
    steps.push(await cli(['exec', 'live', 'sh', '-c', 'cat /tmp/src/f; stat -c "%a %u:%g" /tmp/src/f; readlink /tmp/src/l']));
    steps.push(await cli(['cp', join(src, 'f'), 'dead:/etc/copied']));
    steps.push(await cli(['cp', 'dead:/etc/copied', back]));
    return steps;
  };
  const b = await into((a) => d.berth(a), join(place('b-back'), 'back'));
  const k = await into((a) => oracle.docker(a), join(place('k-back'), 'back'));
  b.forEach((r, i) => assertSameResult(r, k[i]!, `step ${i + 1}`));
  assert.equal(b[1]!.stdout, 'payload\n640 0:0\nf\n');
  assert.deepEqual(treeOf(join(tmp, 'b-back')), treeOf(join(tmp, 'k-back')));
});

test('berth cp - streams the same tar entries as docker cp - from dockerd', async () => {
  const entriesOf = async (cli: (a: readonly string[]) => Promise<Buffer>) => tarEntries(await cli(['cp', 'live:/data', '-']));
  const b = await entriesOf((a) => rawStdout(d.env, 'berth', a));
  const k = await entriesOf((a) => rawStdout(oracle.env, 'docker', a));
  assert.deepEqual(b, k);
  assert.ok(b.some((e) => e.name === 'data/a.txt' && e.mode === 0o751 && e.sha !== undefined));
});

test('berth cp of a missing path prints dockerd\'s message', async () => {
  const r = await cpBoth(['live:/nope', '{}/x'], 'missing');
  assertSameResult(r.berth, r.docker, 'cp live:/nope');
  assert.equal(r.berth.code, 1);
});

test('berth cp of / copies the root as docker cp does, without the kernel filesystems\' contents', async () => {
  const r = await cpBoth(['live:/', '{}/rootcopy'], 'root');
  assertSameResult(r.berth, r.docker, 'cp live:/');
  const berthRoot = join(r.berthDir, 'rootcopy');
  assert.equal(readFileSync(join(berthRoot, 'data', 'a.txt'), 'utf8'), 'hello\n');
  assert.ok(lstatSync(join(berthRoot, 'proc')).isDirectory());
  assert.equal(existsSync(join(berthRoot, 'proc', 'self')), false);
  // The files each engine writes for the container hold its own ids and addresses.
  const engineOwn = new Set(['etc/hostname', 'etc/hosts', 'etc/resolv.conf']);
  const shape = (root: string) => treeOf(root).map((n) => (engineOwn.has(n.path) ? { ...n, sha: '<engine>' } : n));
  const mine = new Map(shape(berthRoot).map((n) => [n.path, JSON.stringify(n)]));
  const theirs = new Map(shape(join(r.dockerDir, 'rootcopy')).map((n) => [n.path, JSON.stringify(n)]));
  const differ = [...new Set([...mine.keys(), ...theirs.keys()])].sort().filter((p) => mine.get(p) !== theirs.get(p))
    .map((p) => `${p}: berthd ${mine.get(p) ?? 'nothing'}, dockerd ${theirs.get(p) ?? 'nothing'}`);
  assert.deepEqual(differ, [], 'the root copied from each engine');
});

test('cp through symlinks in the container stays inside it, as on dockerd', async () => {
  // Symlinks in the container pointing at the host's / and at ..
  const both = [(a: readonly string[]) => d.berth(a), (a: readonly string[]) => oracle.docker(a)] as const;
  for (const cli of both) {
    const r = await cli(['exec', 'live', 'sh', '-c', 'ln -s / /escape && ln -s ../../../.. /tmp/up']);
    assert.equal(r.code, 0, show(r));
  }
  writeFileSync(join(tmp, 'esc.txt'), 'v\n');
  for (const to of [`live:/escape/tmp/${marker}`, `live:/tmp/up/tmp/${marker}-2`]) {
    const [b, k] = await Promise.all(both.map((cli) => cli(['cp', join(tmp, 'esc.txt'), to])));
    assertSameResult(b!, k!, `cp esc.txt ${to}`);
  }
  assert.equal(existsSync(join('/tmp', marker)), false, 'wrote to the host');
  assert.equal(existsSync(join('/tmp', `${marker}-2`)), false, 'wrote to the host');
  const look = ['exec', 'live', 'sh', '-c', `cat /tmp/${marker} /tmp/${marker}-2`];
  assertSameResult(await d.berth(look), await oracle.docker(look), 'where the copies landed');
  // Copying the symlink that leaves the destination out again is refused by the CLI, as docker's.
  const out = await cpBoth(['live:/tmp', '{}/t'], 'up-out');
  assertSameResult(out.berth, out.docker, 'cp live:/tmp (holding up -> ../../../..)');
  assert.equal(out.berth.code, 1);
});

/** A tar of the given entries (a file holding "x" unless a type and link name are given). */
async function tarOf(entries: readonly { name: string; type?: 'link' | 'symlink'; linkname?: string; data?: string }[]): Promise<Buffer> {
  const { pack } = await import('tar-stream');
  const p = pack();
  for (const e of entries) {
    if (e.type) p.entry({ name: e.name, type: e.type, linkname: e.linkname ?? '' });
    else p.entry({ name: e.name }, e.data ?? 'x');
  }
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** PUT /containers/live/archive?path=/tmp of `body` (or a tar with one file entry named so), on both engines. */
async function putBoth(body: string | Buffer): Promise<{ berthd: HttpResult; dockerd: HttpResult }> {
  const tar = typeof body === 'string' ? await tarOf([{ name: body }]) : body;
  const berthd = await d.request('PUT', '/containers/live/archive?path=/tmp', tar, { 'Content-Type': 'application/x-tar' });
  const dockerd = await httpRequest(oracle.socket, 'PUT', '/containers/live/archive?path=/tmp', tar, { 'Content-Type': 'application/x-tar' });
  return { berthd, dockerd };
}

function assertSameAnswer(r: { berthd: HttpResult; dockerd: HttpResult }, what: string): void {
  assert.equal(r.berthd.status, r.dockerd.status, `${what}: berthd ${r.berthd.body.toString()} vs dockerd ${r.dockerd.body.toString()}`);
  assert.equal(r.berthd.body.toString().trim(), r.dockerd.body.toString().trim(), what);
}

test('a tar entry that climbs out of the destination with .. is refused as dockerd refuses it', async () => {
  const r = await putBoth(`../../../../${marker}-4`);
  assert.equal(r.berthd.status, r.dockerd.status, `berthd ${r.berthd.body.toString()} vs dockerd ${r.dockerd.body.toString()}`);
  assert.equal(r.berthd.body.toString().trim(), r.dockerd.body.toString().trim());
  assert.equal(existsSync(join('/', `${marker}-4`)), false, 'wrote to the host');
});

test('a tar entry whose .. climbs back into the destination is written inside it, as dockerd does', async () => {
  // dockerd joins the destination and the name, cleaned: ../../../../tmp/x under /tmp is /tmp/x.
  const r = await putBoth(`../../../../tmp/${marker}-3`);
  assert.equal(r.berthd.status, r.dockerd.status, `berthd ${r.berthd.body.toString()} vs dockerd ${r.dockerd.body.toString()}`);
  assert.equal(r.berthd.body.toString().trim(), r.dockerd.body.toString().trim());
  assert.equal(existsSync(join('/tmp', `${marker}-3`)), false, 'wrote to the host');
  const look = ['exec', 'live', 'sh', '-c', `ls /tmp/${marker}-3 2>&1; true`];
  assertSameResult(await d.berth(look), await oracle.docker(look), 'where the entry landed');
});

test('the docker CLI copies both ways through berthd, printing what it prints against dockerd', async () => {
  const cpOut = await d.docker(['cp', 'live:/data/a.txt', join(tmp, 'docker-a')]);
  assert.equal(cpOut.code, 0, cpOut.stderr);
  assert.equal(readFileSync(join(tmp, 'docker-a'), 'utf8'), 'hello\n');
  const cpIn = await d.docker(['cp', join(tmp, 'docker-a'), 'live:/docker-in']);
  assert.equal(cpIn.code, 0, cpIn.stderr);
  const r = await d.berth(['exec', 'live', 'cat', '/docker-in']);
  assert.equal(r.stdout, 'hello\n');
  const missing = await d.docker(['cp', 'live:/nope', join(tmp, 'y')]);
  const kMissing = await oracle.docker(['cp', 'live:/nope', join(tmp, 'y')]);
  assertSameResult(missing, kMissing, 'docker cp live:/nope');
});

test('berth cp prints the same errors as docker cp against dockerd', async () => {
  const file = join(tmp, 'plain-file');
  writeFileSync(file, 'x');
  for (const args of [
    ['live:/data', file],
    ['live:/data/a.txt', join(tmp, 'no-such-dir') + '/'],
    [tmp, 'live:/data/a.txt'],
    ['live:/nope', tmp],
    ['nosuch:/x', tmp],
    ['live:relative', tmp],
  ]) {
    const b = await d.berth(['cp', ...args]);
    const k = await oracle.docker(['cp', ...args]);
    assertSameResult(b, k, `cp ${args.join(' ')}`);
  }
});

test('links in an upload that lead out of the destination, and broken tars, are answered as dockerd answers them', async () => {
  const dangling = ['exec', 'live', 'ln', '-s', `/nonexistent-${marker}`, `/tmp/${marker}-dangling`];
  assertSameResult(await d.berth(dangling), await oracle.docker(dangling), 'ln -s');
  const cases: [string, Buffer][] = [
    ['an entry under a dangling symlink', await tarOf([{ name: `${marker}-dangling/f` }])],
    ['a hard link that climbs out', await tarOf([{ name: `${marker}-hl`, type: 'link', linkname: '../../../etc/passwd' }])],
    ['a hard link to an absolute path (taken under the destination)', await tarOf([{ name: `${marker}-hl2`, type: 'link', linkname: '/etc/passwd' }])],
    ['a symlink that climbs out', await tarOf([{ name: `${marker}-sl`, type: 'symlink', linkname: '../../../../etc' }])],
    ['bytes that are no tar', Buffer.from('not a tar at all; '.repeat(40))],
    ['a tar cut short in a file\'s data', (await tarOf([{ name: `${marker}-cut`, data: 'y'.repeat(5000) }])).subarray(0, 700)],
  ];
  for (const [what, body] of cases) assertSameAnswer(await putBoth(body), what);
  // The refused links are not made. (A tar cut short leaves dockerd's partial file; berthd makes none.)
  const look = ['exec', 'live', 'sh', '-c', `ls -l /tmp | grep -e ${marker}-hl -e ${marker}-sl | sed "s/.* ${marker}//"; true`];
  assertSameResult(await d.berth(look), await oracle.docker(look), 'what the refused uploads left in /tmp');
});

test('berth cp into and out of a volume of a container never started (its mount point not yet made) works as docker cp', async () => {
  const src = place('fresh-src');
  writeFileSync(join(src, 'f'), 'into the volume\n');
  const steps = async (cli: (a: readonly string[]) => Promise<RunResult>, back: string) => [
    await cli(['create', '--name', 'fresh', '--network', 'none', '-v', 'freshvol:/deep/vol', 'busybox', 'true']),
    await cli(['cp', join(src, 'f'), 'fresh:/deep/vol/f']),
    await cli(['cp', 'fresh:/deep/vol', back]),
    await cli(['run', '--rm', '--network', 'none', '-v', 'freshvol:/v', 'busybox', 'cat', '/v/f']),
  ];
  const b = await steps((a) => d.berth(a), join(place('b-fresh'), 'back'));
  const k = await steps((a) => oracle.docker(a), join(place('k-fresh'), 'back'));
  b.forEach((r, i) => assertSameResult(r, k[i]!, `step ${i + 1}`, (s) => withoutCliLog(s).replace(/^[0-9a-f]{64}$/m, '<id>')));
  assert.equal(b[3]!.stdout, 'into the volume\n');
  assert.deepEqual(treeOf(join(tmp, 'b-fresh')), treeOf(join(tmp, 'k-fresh')));
});
