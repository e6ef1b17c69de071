// Support for the compose acceptance tests: a lock that serialises the test
// files publishing the fixed host ports (127.0.0.1:5000-5002), a wait
// until those ports are free, and polling helpers.
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';

const lockDir = '/run/lock';

/** Takes /run/lock/berth-test-<name>.lock (a dead holder's lock is taken over); returns the release function. */
export async function takeTestLock(name: string, timeoutMs = 10 * 60_000): Promise<() => void> {
  const lock = `${lockDir}/berth-test-${name}.lock`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      writeFileSync(lock, String(process.pid));
      return () => rmSync(lock, { force: true });
    } catch {
      if (holderGone(lock)) { rmSync(lock, { force: true }); continue; }
      if (Date.now() > deadline) throw new Error(`waited too long for ${lock}`);
      await sleep(500);
    }
  }
}

function holderGone(lock: string): boolean {
  try {
    const pid = Number(readFileSync(lock, 'utf8'));
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

/** Waits until every port is free on `host` (another test's leftover would make the test fail for the wrong reason). */
export async function waitPortsFree(host: string, ports: readonly number[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const busy: number[] = [];
    for (const p of ports) if (!(await portFree(host, p))) busy.push(p);
    if (busy.length === 0) return;
    if (Date.now() > deadline) throw new Error(`ports ${busy.join(', ')} on ${host} stayed in use`);
    await sleep(500);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Calls `probe` until it returns a value that `ok` accepts; returns the last value after `timeoutMs` either way. */
export async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) return v;
    await sleep(everyMs);
  }
}

/** GET a URL's body, or '' when nothing answers. */
export async function httpText(url: string): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return await res.text();
  } catch {
    return '';
  }
}
