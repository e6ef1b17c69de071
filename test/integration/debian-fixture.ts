// A Debian bookworm base image for the tests that truly need one (apt-get in a
// build, python3 servers in the course's scenarios). debootstrap is slow (a few
// minutes), so its rootfs is made once per machine as a tar under
// /var/cache/berth-tests and reused by every test and every later run; a lock
// file keeps two test files from bootstrapping at the same time. The image is
// minbase plus python3, made from Debian's archive (the only reachable mirror).
// Set BERTH_TEST_DEBIAN_TAR to use a rootfs tar made elsewhere.
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { mountsUnder, run, unmountUnder } from './acceptance-support.ts';

const cacheDir = '/var/cache/berth-tests';
const defaultTar = join(cacheDir, 'debian-bookworm-python3.tar');
const mirror = 'http://deb.debian.org/debian';

/** How long the first bootstrap may take (a slow mirror on a fresh machine). */
export const debianBootstrapTimeoutMs = 20 * 60_000;

/** The path of the cached rootfs tar, bootstrapping it first when it does not exist. */
export async function debianTar(): Promise<string> {
  const override = process.env['BERTH_TEST_DEBIAN_TAR'];
  if (override) return override;
  if (existsSync(defaultTar)) return defaultTar;
  mkdirSync(cacheDir, { recursive: true });
  const lock = `${defaultTar}.lock`;
  await takeLock(lock);
  try {
    if (existsSync(defaultTar)) return defaultTar; // made while we waited
    const work = join(cacheDir, `bootstrap-${process.pid}`);
    try {
      const boot = await run('debootstrap', ['--variant=minbase', '--include=python3', 'bookworm', work, mirror], { timeoutMs: debianBootstrapTimeoutMs });
      if (boot.code !== 0) throw new Error(`debootstrap failed (${boot.code}): ${boot.stdout.slice(-800)}${boot.stderr.slice(-800)}`);
      writeFileSync(join(work, 'etc', 'apt', 'sources.list'), `deb ${mirror} bookworm main\ndeb ${mirror} bookworm-updates main\ndeb http://deb.debian.org/debian-security bookworm-security main\n`);
      rmSync(join(work, 'var', 'cache', 'apt', 'archives'), { recursive: true, force: true });
      mkdirSync(join(work, 'var', 'cache', 'apt', 'archives', 'partial'), { recursive: true });
      const partial = `${defaultTar}.partial`;
      const tar = await run('tar', ['-C', work, '--numeric-owner', '--exclude=./proc/*', '--exclude=./sys/*', '--exclude=./dev/*', '-cf', partial, '.'], { timeoutMs: 5 * 60_000 });
      if (tar.code !== 0) throw new Error(`tar of the Debian rootfs failed: ${tar.stderr}`);
      renameSync(partial, defaultTar);
    } finally {
      if (mountsUnder(work).length > 0) unmountUnder(work);
      rmSync(work, { recursive: true, force: true });
    }
    return defaultTar;
  } finally {
    unlinkSync(lock);
  }
}

/**
 * Makes `ref` (default debian:bookworm) exist in the daemon on `socket` by
 * importing the cached rootfs through the API, as `berth import` would.
 * Returns the image id.
 */
export async function ensureDebian(d: { readonly socket: string }, ref = 'debian:bookworm'): Promise<string> {
  const have = await post(d.socket, 'GET', `/images/${ref}/json`);
  if (have.status === 200) return (JSON.parse(have.body) as { Id: string }).Id;
  const tar = readFileSync(await debianTar());
  const [repo = 'debian', tag = 'latest'] = ref.split(':');
  const query = new URLSearchParams({ fromSrc: '-', repo, tag, changes: 'CMD ["bash"]' });
  const r = await post(d.socket, 'POST', `/images/create?${query}`, tar);
  if (r.status !== 200 || r.body.includes('"error"')) throw new Error(`importing the Debian rootfs failed: ${r.status} ${r.body.slice(-500)}`);
  const last = r.body.trim().split('\n').pop() ?? '';
  return (JSON.parse(last) as { status: string }).status;
}

async function takeLock(lock: string): Promise<void> {
  const deadline = Date.now() + debianBootstrapTimeoutMs;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      writeFileSync(lock, String(process.pid));
      return;
    } catch {
      if (staleLock(lock)) { rmSync(lock, { force: true }); continue; }
      if (Date.now() > deadline) throw new Error(`waited too long for ${lock}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

/** A lock whose holder is gone (a killed test run) does not block later runs. */
function staleLock(lock: string): boolean {
  try {
    const pid = Number(readFileSync(lock, 'utf8'));
    if (!Number.isInteger(pid) || pid <= 0) return Date.now() - statSync(lock).mtimeMs > 10_000;
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function post(socketPath: string, method: string, path: string, body?: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers: body ? { 'Content-Type': 'application/x-tar', 'Content-Length': body.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
