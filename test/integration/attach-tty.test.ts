// TTY containers as a person uses them, in a real terminal (a private tmux
// server): `berth run -it busybox sh` shows the window's size, runs what is
// typed and exits with the shell's code; resizing the window reaches the
// container; ctrl-p ctrl-q detaches and `berth attach` reattaches.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { berthBin } from './acceptance-support.ts';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';

const haveTmux = (() => {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const skip = haveTmux ? false : 'needs tmux';

let d: Daemon;
const server = `berth-tty-${process.pid}`;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', server, ...args], { encoding: 'utf8' });
}

async function until<T>(what: string, fn: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${screen()}\n${d.logTail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function screen(): string {
  try {
    return tmux('capture-pane', '-p', '-t', 'main');
  } catch {
    return '';
  }
}

/** Runs a shell command line in a new tmux window of the given size; returns the file its exit code lands in. */
function runInTerminal(line: string, size: { width: number; height: number }): string {
  const exitFile = join(d.root, `exit-${Date.now()}`);
  const cmd = `DOCKER_HOST=unix://${d.socket} ${line}; echo $? > ${exitFile}; sleep 600`;
  tmux('new-session', '-d', '-s', 'main', '-x', String(size.width), '-y', String(size.height), 'sh', '-c', cmd);
  return exitFile;
}

before(async () => {
  if (skip) return;
  d = await startDaemon();
  await ensureBusybox(d);
  // tmux exits with its last session; a keeper session holds the server between tests.
  tmux('new-session', '-d', '-s', 'keep', 'sleep 600');
});

after(async () => {
  if (skip) return;
  try {
    tmux('kill-server');
  } catch {
    // no server left
  }
  await d?.stop();
});

test('berth run -it busybox sh shows the window size, runs typed commands and exits with their code', { skip, timeout: 60_000 }, async () => {
  const exitFile = runInTerminal(`${berthBin} run -it --rm --network none busybox sh`, { width: 97, height: 31 });
  try {
    await until('the shell prompt', () => /[#$]\s*$/m.test(screen()) || undefined);
    tmux('send-keys', '-t', 'main', 'stty size; echo h""i', 'Enter');
    await until('the size and hi', () => /31 97[\s\S]*\nhi\s*\n/.test(screen()) || undefined);
    tmux('resize-window', '-t', 'main', '-x', '120', '-y', '40');
    await new Promise((r) => setTimeout(r, 300));
    tmux('send-keys', '-t', 'main', 'stty size', 'Enter');
    await until('the new size', () => /40 120/.test(screen()) || undefined);
    tmux('send-keys', '-t', 'main', 'exit 5', 'Enter');
    const code = await until('the exit code', () => (existsSync(exitFile) ? readFileSync(exitFile, 'utf8').trim() || undefined : undefined));
    assert.equal(code, '5');
  } finally {
    tmux('kill-session', '-t', 'main');
  }
});

test('ctrl-p ctrl-q detaches from berth run -it and berth attach reattaches', { skip, timeout: 60_000 }, async () => {
  const exitFile = runInTerminal(`${berthBin} run -it --name det --network none busybox sh`, { width: 80, height: 24 });
  try {
    await until('the shell prompt', () => /[#$]\s*$/m.test(screen()) || undefined);
    tmux('send-keys', '-t', 'main', 'C-p', 'C-q');
    const code = await until('the CLI to exit', () => (existsSync(exitFile) ? readFileSync(exitFile, 'utf8').trim() || undefined : undefined));
    assert.equal(code, '0');
    const ps = await d.berth(['ps', '--format', '{{.Names}} {{.Status}}']);
    assert.match(ps.stdout, /^det Up/m);
  } finally {
    tmux('kill-session', '-t', 'main');
  }
  const exitFile2 = runInTerminal(`${berthBin} attach det`, { width: 80, height: 24 });
  try {
    await new Promise((r) => setTimeout(r, 500));
    tmux('send-keys', '-t', 'main', 'echo back""again; exit 3', 'Enter');
    await until('the reattached shell', () => /\nbackagain/.test(screen()) || undefined);
    const code = await until('the exit code', () => (existsSync(exitFile2) ? readFileSync(exitFile2, 'utf8').trim() || undefined : undefined));
    assert.equal(code, '3');
  } finally {
    tmux('kill-session', '-t', 'main');
  }
  await d.berth(['rm', '-f', 'det']);
});

test('-it without a terminal fails with docker\'s message', { skip, timeout: 60_000 }, async () => {
  const r = await d.berth(['run', '-it', '--rm', 'busybox', 'true'], { input: '' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /the input device is not a TTY/);
});

test('the real docker CLI runs -it against berthd: size, typed commands, exit code', { skip, timeout: 60_000 }, async () => {
  const exitFile = runInTerminal('docker run -it --rm --network none busybox sh', { width: 88, height: 29 });
  try {
    await until('the shell prompt', () => /[#$]\s*$/m.test(screen()) || undefined);
    tmux('send-keys', '-t', 'main', 'stty size; echo h""i; exit 5', 'Enter');
    const code = await until('the exit code', () => (existsSync(exitFile) ? readFileSync(exitFile, 'utf8').trim() || undefined : undefined));
    assert.match(screen(), /29 88\s*\nhi\s*\n/);
    assert.equal(code, '5');
  } finally {
    tmux('kill-session', '-t', 'main');
  }
});
