// `exec` through berthd against real conmon and runc: exit codes, piped stdin,
// -w/-u/-e/--env-file/--privileged, detached execs that outlive the CLI, a
// missing command, exec into a stopped container, the exec inspect API, the
// real docker CLI, and -it in a real terminal (tmux).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { berthBin } from './acceptance-support.ts';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';

let d: Daemon;
let cid: string;

before(async () => {
  d = await startDaemon();
  await ensureBusybox(d);
  const r = await d.berth(['run', '-d', '--name', 'ex', '--network', 'none', 'busybox', 'sleep', '1000']);
  assert.equal(r.code, 0, r.stderr);
  cid = r.stdout.trim();
});

after(async () => {
  await d?.stop();
});

test('berth exec returns the command\'s exit code and its stdout and stderr', { timeout: 60_000 }, async () => {
  const r = await d.berth(['exec', 'ex', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
  assert.equal(r.code, 3, r.stderr + d.logTail());
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\n');
});

test('berth exec -i carries piped stdin to the command and its EOF ends it', { timeout: 60_000 }, async () => {
  const r = await d.berth(['exec', '-i', 'ex', 'sh', '-c', 'read x; echo "got $x"; exit 6'], { input: 'hello\n' });
  assert.equal(r.stdout, 'got hello\n', r.stderr);
  assert.equal(r.code, 6);
  const cat = await d.berth(['exec', '-i', 'ex', 'cat'], { input: 'piped\n' });
  assert.equal(cat.stdout, 'piped\n');
  assert.equal(cat.code, 0);
});

test('berth exec -w -u -e --env-file set the working dir, user and environment', { timeout: 60_000 }, async () => {
  const envFile = join(d.root, 'exec.env');
  writeFileSync(envFile, 'FROMFILE=yes\n');
  const r = await d.berth(['exec', '-w', '/tmp', '-u', 'nobody', '-e', 'A=1', '--env-file', envFile, 'ex', 'sh', '-c', 'pwd; id -u; echo $A $FROMFILE']);
  assert.equal(r.stdout, '/tmp\n65534\n1 yes\n', r.stderr);
});

test('berth exec --privileged gives the command more capabilities than the container has', { timeout: 60_000 }, async () => {
  const capEff = async (extra: string[]) => {
    const r = await d.berth(['exec', ...extra, 'ex', 'sh', '-c', 'grep CapEff /proc/self/status']);
    return BigInt('0x' + (r.stdout.split(':')[1] ?? '0').trim());
  };
  const plain = await capEff([]);
  const privileged = await capEff(['--privileged']);
  assert.ok(privileged > plain, `${privileged.toString(16)} > ${plain.toString(16)}`);
});

test('berth exec -d returns at once and the command keeps running', { timeout: 60_000 }, async () => {
  const r = await d.berth(['exec', '-d', 'ex', 'sh', '-c', 'sleep 1; touch /tmp/detached-done']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.notEqual((await d.berth(['exec', 'ex', 'test', '-f', '/tmp/detached-done'])).code, 0);
  await new Promise((res) => setTimeout(res, 1500));
  assert.equal((await d.berth(['exec', 'ex', 'test', '-f', '/tmp/detached-done'])).code, 0);
});

test('exec of a missing command prints the runtime error and exits 126, as any exec start failure does in docker', { timeout: 60_000 }, async () => {
  const r = await d.berth(['exec', 'ex', 'nosuch']);
  assert.equal(r.code, 126);
  assert.match(r.stdout + r.stderr, /executable file not found in \$PATH/);
});

test('the exec API reports the process config, Running and ExitCode', { timeout: 60_000 }, async () => {
  const created = await d.json<{ Id: string }>('POST', `/containers/${cid}/exec`, { Cmd: ['sh', '-c', 'exit 9'], AttachStdout: true });
  assert.equal(created.status, 201);
  const before = await d.json<{ Running: boolean; ExitCode: number | null; ContainerID: string; ProcessConfig: { entrypoint: string; arguments: string[] } }>('GET', `/exec/${created.body.Id}/json`);
  assert.equal(before.body.Running, false);
  assert.equal(before.body.ExitCode, null);
  assert.equal(before.body.ContainerID, cid);
  assert.deepEqual(before.body.ProcessConfig.arguments, ['-c', 'exit 9']);
  const start = await d.request('POST', `/exec/${created.body.Id}/start`, { Detach: true });
  assert.equal(start.status, 200, start.body.toString());
  for (let i = 0; i < 50; i++) {
    const info = await d.json<{ Running: boolean; ExitCode: number | null }>('GET', `/exec/${created.body.Id}/json`);
    if (info.body.ExitCode !== null) {
      assert.equal(info.body.ExitCode, 9);
      assert.equal(info.body.Running, false);
      break;
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  const again = await d.json<{ message: string }>('POST', `/exec/${created.body.Id}/start`, { Detach: true });
  assert.equal(again.status, 409);
  assert.equal((await d.request('GET', '/exec/nosuch/json')).status, 404);
});

test('the real docker CLI execs against berthd: exit code, piped stdin, missing command', { timeout: 60_000 }, async () => {
  const r = await d.docker(['exec', 'ex', 'sh', '-c', 'echo fromdocker; exit 4']);
  assert.equal(r.stdout, 'fromdocker\n', r.stderr);
  assert.equal(r.code, 4);
  const cat = await d.docker(['exec', '-i', 'ex', 'cat'], { input: 'hi\n' });
  assert.equal(cat.stdout, 'hi\n');
  // Input that ends at once (half-closed while the exec starts) still ends the exec's stdin.
  const empty = await d.docker(['exec', '-i', 'ex', 'cat'], { input: '', timeoutMs: 15_000 });
  assert.deepEqual([empty.code, empty.stdout], [0, '']);
  assert.equal((await d.docker(['exec', 'ex', 'nosuch'])).code, 126);
});

test('berth exec -it in a terminal has the window size and returns the exit code', { timeout: 60_000, skip: (() => { try { execFileSync('tmux', ['-V'], { stdio: 'ignore' }); return false; } catch { return 'needs tmux'; } })() }, async () => {
  const server = `berth-exec-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', server, ...args], { encoding: 'utf8' });
  const exitFile = join(d.root, 'exec-exit');
  tmux('new-session', '-d', '-s', 'keep', 'sleep 600');
  try {
    tmux('new-session', '-d', '-s', 'main', '-x', '77', '-y', '21', 'sh', '-c', `DOCKER_HOST=unix://${d.socket} ${berthBin} exec -it ex sh; echo $? > ${exitFile}; sleep 600`);
    const screen = () => tmux('capture-pane', '-p', '-t', 'main');
    const until = async (what: string, fn: () => boolean) => {
      for (let i = 0; i < 200 && !fn(); i++) await new Promise((res) => setTimeout(res, 100));
      if (!fn()) throw new Error(`timed out waiting for ${what}; screen:\n${screen()}`);
    };
    await until('the prompt', () => /[#$]\s*$/m.test(screen()));
    tmux('send-keys', '-t', 'main', 'stty size; exit 8', 'Enter');
    await until('the exit code', () => existsSync(exitFile) && readFileSync(exitFile, 'utf8').trim() !== '');
    assert.match(screen(), /21 77/);
    assert.equal(readFileSync(exitFile, 'utf8').trim(), '8');
  } finally {
    tmux('kill-server');
  }
});

test('docker exec -it in a terminal has the window size and returns the exit code', { timeout: 60_000, skip: (() => { try { execFileSync('tmux', ['-V'], { stdio: 'ignore' }); return false; } catch { return 'needs tmux'; } })() }, async () => {
  const server = `berth-dexec-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', server, ...args], { encoding: 'utf8' });
  const exitFile = join(d.root, 'docker-exec-exit');
  tmux('new-session', '-d', '-s', 'keep', 'sleep 600');
  try {
    tmux('new-session', '-d', '-s', 'main', '-x', '83', '-y', '23', 'sh', '-c', `DOCKER_HOST=unix://${d.socket} docker exec -it ex sh; echo $? > ${exitFile}; sleep 600`);
    const screen = () => tmux('capture-pane', '-p', '-t', 'main');
    const until = async (what: string, fn: () => boolean) => {
      for (let i = 0; i < 200 && !fn(); i++) await new Promise((res) => setTimeout(res, 100));
      if (!fn()) throw new Error(`timed out waiting for ${what}; screen:\n${screen()}`);
    };
    await until('the prompt', () => /[#$]\s*$/m.test(screen()));
    tmux('send-keys', '-t', 'main', 'stty size; exit 9', 'Enter');
    await until('the exit code', () => existsSync(exitFile) && readFileSync(exitFile, 'utf8').trim() !== '');
    assert.match(screen(), /23 83/);
    assert.equal(readFileSync(exitFile, 'utf8').trim(), '9');
  } finally {
    tmux('kill-server');
  }
});

test('exec into a stopped container fails with docker\'s message', { timeout: 60_000 }, async () => {
  await d.berth(['stop', '-t', '0', 'ex']);
  const r = await d.berth(['exec', 'ex', 'true']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`Container ${cid} is not running`));
  const viaDocker = await d.docker(['exec', 'ex', 'true']);
  assert.notEqual(viaDocker.code, 0);
  assert.match(viaDocker.stderr, /is not running/);
});
