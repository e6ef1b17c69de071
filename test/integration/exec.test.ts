// `exec` through berthd against real conmon and runc: exit codes, piped stdin,
// -w/-u/-e/--env-file/--privileged, detached execs that outlive the CLI, a
// missing command, exec into a stopped container, the exec inspect API, the
// real docker CLI, and -it in a real terminal (tmux).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { berthBin } from './acceptance-support.ts';
import { ensureBusybox, startDaemon, streamRuns, type Daemon } from './harness.ts';

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

test('starts and execs leave berthd in the cgroups it was in (the attach warm-up, runtime/attach-warmup.ts, moves nothing)', { timeout: 60_000 }, async () => {
  const own = () => readFileSync(`/proc/${d.pid}/cgroup`, 'utf8');
  const before = own();
  const run = await d.berth(['run', '-d', '--network', 'none', 'busybox', 'sleep', '1000']);
  assert.equal(run.code, 0, run.stderr);
  const id = run.stdout.trim();
  assert.equal((await d.berth(['exec', id, 'true'])).code, 0);
  assert.equal(own(), before);
  const pid = (await d.json<{ State: { Pid: number } }>('GET', `/containers/${id}/json`)).body.State.Pid;
  assert.match(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), new RegExp(`/berth/${id}\\n`), 'the container\'s init is in its own cgroups');
  assert.equal((await d.berth(['rm', '-f', id])).code, 0);
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

/** POST /exec/{id}/start on a raw connection; resolves with the response head and everything after it. */
function execStart(id: string, body: unknown, options: { upgrade: boolean; input?: Buffer }): Promise<{ head: string; out: Buffer }> {
  return new Promise((resolve, reject) => {
    const sock = connect(d.socket);
    const payload = JSON.stringify(body);
    let buf = Buffer.alloc(0);
    let head: string | undefined;
    sock.on('data', (b: Buffer) => {
      buf = Buffer.concat([buf, b]);
      if (head !== undefined) return;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      head = buf.subarray(0, end).toString();
      buf = buf.subarray(end + 4);
      if (options.input) sock.end(options.input);
    });
    sock.on('end', () => resolve({ head: head ?? '', out: buf }));
    sock.on('error', reject);
    sock.write(`POST /v1.41/exec/${id}/start HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\nContent-Length: ${payload.length}\r\n${options.upgrade ? 'Connection: Upgrade\r\nUpgrade: tcp\r\n' : ''}\r\n${payload}`);
  });
}


let streamsCid: string | undefined;

/** Creates an exec in a running container of these tests' own (an earlier test stops `ex`). */
async function execCreate(body: Record<string, unknown>): Promise<string> {
  if (!streamsCid) {
    const run = await d.berth(['run', '-d', '--name', 'ex-streams', '--network', 'none', 'busybox', 'sleep', '1000']);
    assert.equal(run.code, 0, run.stderr);
    streamsCid = run.stdout.trim();
  }
  const r = await d.json<{ Id: string }>('POST', `/containers/${streamsCid}/exec`, { AttachStdout: true, AttachStderr: true, ...body });
  assert.equal(r.status, 201);
  return r.body.Id;
}

const outErr = ['sh', '-c', 'echo out; sleep 0.3; echo err >&2'];

for (const upgrade of [true, false]) {
  test(`regression (issue 11): exec created and started with Tty gets a terminal and a raw stream (${upgrade ? 'upgraded' : 'plain 200'})`, { timeout: 60_000 }, async () => {
    const id = await execCreate({ Cmd: outErr, Tty: true });
    const r = await execStart(id, { Detach: false, Tty: true }, { upgrade });
    assert.match(r.head, upgrade ? /^HTTP\/1.1 101 UPGRADED\r\nContent-Type: application\/vnd.docker.raw-stream\r\n/ : /^HTTP\/1.1 200 OK\r\nContent-Type: application\/vnd.docker.raw-stream\r\n/);
    assert.match(r.head, /\r\nApi-Version: /, 'dockerd repeats its response headers');
    assert.equal(r.out.toString(), 'out\r\nerr\r\n');
  });
}

test('regression (issue 11): an exec created with Tty but started without it has a terminal, framed as stdout (docker-py exec_start)', { timeout: 60_000 }, async () => {
  const id = await execCreate({ Cmd: outErr, Tty: true });
  const r = await execStart(id, { Detach: false, Tty: false }, { upgrade: true });
  assert.deepEqual(streamRuns(r.out), [[1, 'out\r\nerr\r\n']]);
  const absent = await execStart(await execCreate({ Cmd: outErr, Tty: true }), { Detach: false }, { upgrade: true });
  assert.deepEqual(streamRuns(absent.out), [[1, 'out\r\nerr\r\n']], 'no Tty in the start body: framed');
});

test('an exec without a terminal started with Tty is raw and carries stdout only, as dockerd', { timeout: 60_000 }, async () => {
  const id = await execCreate({ Cmd: outErr, Tty: false });
  const r = await execStart(id, { Detach: false, Tty: true }, { upgrade: true });
  assert.equal(r.out.toString(), 'out\n');
  const framed = await execStart(await execCreate({ Cmd: outErr }), { Detach: false, Tty: false }, { upgrade: true });
  assert.deepEqual(framed.out.length > 0 && streamRuns(framed.out), [[1, 'out\n'], [2, 'err\n']]);
});

test('regression (issue 11): 1 MiB of stdin to an exec arrives whole, its half-close ends it, ExitCode from /exec/{id}/json', { timeout: 60_000 }, async () => {
  const data = Buffer.alloc(1 << 20, 'e');
  const id = await execCreate({ Cmd: ['sh', '-c', 'wc -c; exit 4'], AttachStdin: true });
  const r = await execStart(id, { Detach: false, Tty: false }, { upgrade: true, input: data });
  assert.deepEqual(streamRuns(r.out), [[1, `${data.length}\n`]]);
  let info = await d.json<{ Running: boolean; ExitCode: number | null }>('GET', `/exec/${id}/json`);
  for (let i = 0; i < 50 && info.body.Running; i++) {
    await new Promise((res) => setTimeout(res, 100));
    info = await d.json('GET', `/exec/${id}/json`);
  }
  assert.equal(info.body.ExitCode, 4);
});
