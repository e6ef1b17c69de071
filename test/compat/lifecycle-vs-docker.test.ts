// Issue 3's commands through the real docker CLI, against a harness berthd and
// against a private dockerd (the oracle; `--bridge=none --iptables=false`, so
// containers use `--network none`): the same steps on both sides, comparing
// exit codes, stdout and stderr after masking what legitimately differs (ids,
// pids, times, sizes that depend on timing). Where this host makes dockerd
// itself fail (a privileged container needs capabilities root lacks here) the
// case says so and checks berthd alone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type Daemon } from '../integration/harness.ts';
import { busyboxTar, run, show, startPrivateDockerd, until, type PrivateDockerd, type RunResult } from '../integration/acceptance-support.ts';

const img = 'busybox';
const none = ['--network', 'none'];

type Side = (args: readonly string[], input?: string | Buffer) => Promise<RunResult>;

/** Masks ids, times and the like that differ between two engines for the same behaviour. */
function mask(s: string): string {
  return s
    .replace(/sha256:[0-9a-f]{64}/g, '<digest>')
    .replace(/\b[0-9a-f]{64}\b/g, '<id>')
    .replace(/\b[0-9a-f]{12}\b/g, '<short-id>')
    .replace(/(Less than a second|About a minute|About an hour|\d+ (seconds?|minutes?|hours?)) ago/g, '<ago>')
    .replace(/Up (Less than a second|About a minute|\d+ (seconds?|minutes?))/g, 'Up <for>');
}

interface Compare {
  /** What must match: everything (default), stdout and code, or the code only. */
  readonly what?: 'all' | 'stdout+code' | 'code';
  /** Applied to stdout and stderr after mask(). */
  readonly norm?: (s: string) => string;
  readonly input?: string;
}

describe('the docker CLI does issue 3\'s commands on berthd as on dockerd', { timeout: 900_000, concurrency: false }, () => {
  let berthd: Daemon | undefined;
  let dockerd: PrivateDockerd | undefined;
  let tmp = '';
  const onBerthd: Side = (args, input) => {
    assert.ok(berthd, 'berthd did not start');
    return run('docker', args, { env: { ...process.env, DOCKER_HOST: `unix://${berthd.socket}` }, ...(input !== undefined ? { input } : {}) });
  };
  const onDockerd: Side = (args, input) => {
    assert.ok(dockerd, 'dockerd did not start');
    return dockerd.docker(args, input !== undefined ? { input } : {});
  };
  const sides: readonly (readonly [string, Side])[] = [['berthd', (a, i) => onBerthd(a, i)], ['dockerd', (a, i) => onDockerd(a, i)]];

  /** Runs `args` on both and asserts they agree; returns berthd's result. */
  async function same(args: readonly string[], c: Compare = {}): Promise<RunResult> {
    const b = await onBerthd(args, c.input);
    const k = await onDockerd(args, c.input);
    const n = (s: string) => (c.norm ?? ((x: string) => x))(mask(s));
    const msg = `docker ${args.join(' ')}\n berthd: ${show(b)}\n dockerd: ${show(k)}`;
    assert.equal(b.code, k.code, `exit codes differ: ${msg}`);
    if ((c.what ?? 'all') !== 'code') assert.equal(n(b.stdout), n(k.stdout), `stdout differs: ${msg}`);
    if ((c.what ?? 'all') === 'all') assert.equal(n(b.stderr), n(k.stderr), `stderr differs: ${msg}`);
    return b;
  }

  /** Runs a command on both sides, expecting success (set-up steps). */
  async function both(args: readonly string[], input?: string): Promise<void> {
    for (const [where, side] of sides) {
      const r = await side(args, input);
      assert.equal(r.code, 0, `${where}: docker ${args.join(' ')}: ${show(r)}`);
    }
  }

  /** Runs a command on both sides, ignoring the outcome (clean-up). */
  async function quietly(args: readonly string[]): Promise<void> {
    await Promise.all(sides.map(([, side]) => side(args).catch(() => undefined)));
  }

  before(async () => {
    [berthd, dockerd] = await Promise.all([startDaemon(), startPrivateDockerd()]);
    const tar = busyboxTar();
    for (const [where, side] of sides) {
      const r = await side(['import', '-c', 'CMD ["sh"]', '-c', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', '-', `${img}:latest`], tar);
      assert.equal(r.code, 0, `docker import into ${where}: ${show(r)}`);
    }
    tmp = mkdtempSync('/tmp/berth-lifecycle-compat-');
  });

  after(async () => {
    await Promise.all([berthd?.stop(), dockerd?.stop()]);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  // ---- run -i / -t ----------------------------------------------------------

  test('run -it with stdin not a terminal fails with docker\'s message; -t alone gives a tty, -i pipes input', async () => {
    await same(['run', '--rm', '-it', ...none, img, 'true']);
    await same(['run', '--rm', '-t', ...none, img, 'sh', '-c', 'test -t 1 && echo tty; stty size 2>&1 >/dev/null; exit 4']);
    await same(['run', '--rm', '-i', ...none, img, 'sh', '-c', 'cat; echo end'], { input: 'line1\nline2\n' });
    await same(['run', '--rm', '-i', ...none, img, 'cat'], { input: '' });
  });

  // ---- attach ---------------------------------------------------------------

  test('attach feeds stdin, returns the exit code, and refuses stopped or missing containers', async () => {
    await both(['run', '-d', '-i', '--name', 'cmp-at', ...none, img, 'sh', '-c', 'read x; echo "got $x"; echo err >&2; exit 3']);
    // docker's CLI may drop output that comes after its stdin ended (a race on dockerd's side too): the code must match.
    const fed = await same(['attach', 'cmp-at'], { input: 'hello\n', what: 'code' });
    assert.equal(fed.stdout, 'got hello\n', show(fed));
    await same(['attach', 'cmp-at']);
    await same(['attach', 'no-such-container']);
    await both(['run', '-d', '--name', 'cmp-at2', ...none, img, 'sh', '-c', 'sleep 1; echo late; exit 2']);
    await same(['attach', '--no-stdin', 'cmp-at2']);
    await same(['attach', '--detach-keys', 'bogus-keys', 'cmp-at2']);
    await quietly(['rm', '-f', 'cmp-at', 'cmp-at2']);
  });

  // ---- exec -----------------------------------------------------------------

  test('exec -i -d -w -u -e --env-file, its errors and exec into a stopped or paused container', async () => {
    await both(['run', '-d', '--name', 'cmp-ex', ...none, img, 'sleep', '1000']);
    const envFile = join(tmp, 'env');
    writeFileSync(envFile, 'B=2\n# a comment\nFROM_HOST\n');
    await same(['exec', '-i', 'cmp-ex', 'sh', '-c', 'cat; echo done'], { input: 'piped\n' });
    await same(['exec', '-i', 'cmp-ex', 'cat'], { input: '' });
    await same(['exec', 'cmp-ex', 'sh', '-c', 'echo out; echo err >&2; exit 5']);
    await same(['exec', '-d', 'cmp-ex', 'sh', '-c', 'sleep 1; touch /tmp/detached']);
    await same(['exec', 'cmp-ex', 'test', '-f', '/tmp/detached']);
    for (const [where, side] of sides) {
      await until(`the detached exec on ${where}`, 10_000, async () => ((await side(['exec', 'cmp-ex', 'test', '-f', '/tmp/detached'])).code === 0 ? true : undefined));
    }
    await same(['inspect', '-f', '{{.ExecIDs}}', 'cmp-ex']);
    await same(['exec', '-w', '/tmp', 'cmp-ex', 'pwd']);
    await same(['exec', '-u', 'nobody', 'cmp-ex', 'id']);
    await same(['exec', '-u', '1234:5678', 'cmp-ex', 'id']);
    await same(['exec', '-e', 'A=1', '-e', 'PATH=/bin', 'cmp-ex', 'sh', '-c', 'echo $A $PATH']);
    await same(['exec', '--env-file', envFile, 'cmp-ex', 'sh', '-c', 'echo "$B ${FROM_HOST-unset}"']);
    await same(['exec', 'cmp-ex', 'sh', '-c', 'grep -E "^Cap(Prm|Eff|Bnd)" /proc/self/status']);
    await same(['exec', 'cmp-ex', 'no-such-command']);
    await same(['exec', '-w', '/no/such/dir', 'cmp-ex', 'pwd']);
    await same(['exec', '-u', 'no-such-user', 'cmp-ex', 'id']);
    await same(['exec', '-it', 'cmp-ex', 'true']);
    await same(['exec', 'no-such-container', 'true']);
    await both(['pause', 'cmp-ex']);
    await same(['exec', 'cmp-ex', 'true']);
    await both(['unpause', 'cmp-ex']);
    await both(['create', '--name', 'cmp-ex-stopped', ...none, img, 'true']);
    await same(['exec', 'cmp-ex-stopped', 'true']);
    await quietly(['rm', '-f', 'cmp-ex', 'cmp-ex-stopped']);
  });

  test('exec --privileged gives the exec every capability (dockerd cannot on this host, so berthd alone)', async () => {
    await both(['run', '-d', '--name', 'cmp-exp', ...none, img, 'sleep', '1000']);
    const plain = await onBerthd(['exec', 'cmp-exp', 'grep', 'CapEff', '/proc/self/status']);
    const priv = await onBerthd(['exec', '--privileged', 'cmp-exp', 'grep', 'CapEff', '/proc/self/status']);
    assert.equal(priv.code, 0, show(priv));
    const eff = (r: RunResult) => BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(r.stdout)?.[1] ?? '0'}`);
    assert.ok(eff(priv) > eff(plain) && (eff(priv) & eff(plain)) === eff(plain), `privileged ${priv.stdout} ⊋ default ${plain.stdout}`);
    await quietly(['rm', '-f', 'cmp-exp']);
  });

  // ---- files ----------------------------------------------------------------

  /** A host tree as lines: path, type, mode, size, link target, content of small files. */
  function listing(root: string): string {
    const out: string[] = [];
    const walk = (rel: string) => {
      const p = rel ? join(root, rel) : root;
      const st = lstatSync(p);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out.push(`${rel} l ${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.push(`${rel}/ d ${mode}`);
        for (const n of readdirSync(p).sort()) walk(rel ? `${rel}/${n}` : n);
      } else out.push(`${rel} f ${mode} ${st.size} ${st.size < 100 ? JSON.stringify(readFileSync(p, 'utf8')) : ''} ${st.uid}:${st.gid}`);
    };
    walk('');
    return out.join('\n');
  }

  test('cp copies both ways keeping modes, owners and symlinks, and fails as docker does', async () => {
    await both(['run', '-d', '--name', 'cmp-cp', ...none, img, 'sh', '-c', 'mkdir -p /d/sub && echo x > /d/f && chmod 640 /d/f && chown 12:34 /d/f && ln -s f /d/l && ln -s /etc/passwd /d/abs && echo y > /d/sub/g && sleep 1000']);
    for (const [, side] of sides) await until('the files', 10_000, async () => ((await side(['exec', 'cmp-cp', 'test', '-L', '/d/abs'])).code === 0 ? true : undefined));
    const got: Record<string, string> = {};
    for (const [where, side] of sides) {
      const dir = join(tmp, `cp-${where}`);
      mkdirSync(dir);
      for (const args of [['cp', 'cmp-cp:/d', join(dir, 'd')], ['cp', 'cmp-cp:/d/l', join(dir, 'l')], ['cp', '-L', 'cmp-cp:/d/l', join(dir, 'l-followed')], ['cp', 'cmp-cp:/d/sub/.', join(dir, 'sub-contents')]]) {
        const r = await side(args);
        assert.equal(r.code, 0, `${where}: ${args.join(' ')}: ${show(r)}`);
      }
      got[where] = listing(dir);
    }
    assert.equal(got['berthd'], got['dockerd']);
    // host → container, then read back inside
    const src = join(tmp, 'cp-src');
    mkdirSync(join(src, 'in'), { recursive: true });
    writeFileSync(join(src, 'in', 'exe'), '#!/bin/sh\necho run\n', { mode: 0o750 });
    await same(['cp', join(src, 'in'), 'cmp-cp:/tmp/']);
    await same(['exec', 'cmp-cp', 'sh', '-c', 'ls -ln /tmp/in | tail -n +2 | awk \'{print $1, $3, $4, $5, $9}\'; /tmp/in/exe']);
    await same(['cp', join(src, 'in', 'exe'), 'cmp-cp:/d/f']);
    await same(['exec', 'cmp-cp', 'cat', '/d/f']);
    // errors
    await same(['cp', 'cmp-cp:/no/such', join(tmp, 'x')]);
    await same(['cp', join(src, 'in'), 'cmp-cp:/no/such/dir/']);
    await same(['cp', join(tmp, 'no-such-host-file'), 'cmp-cp:/tmp/']);
    await same(['cp', 'no-such-container:/etc/hostname', join(tmp, 'x')]);
    await same(['cp', join(src, 'in', 'exe'), 'cmp-cp:/d/sub/g/nested']);
    await quietly(['rm', '-f', 'cmp-cp']);
  });

  test('export, diff and commit (-m -a -c --pause) give the same results', async () => {
    await both(['run', '--name', 'cmp-fs', ...none, img, 'sh', '-c', 'mkdir -p /d && echo x > /d/f && chmod 640 /d/f && ln -s f /d/l && rm /bin/vi && touch /etc/new']);
    // dockerd lists the upper dir in readdir order, berth sorted: the same lines.
    await same(['diff', 'cmp-fs'], { norm: (s) => s.split('\n').sort().join('\n') });
    await same(['diff', 'no-such-container']);
    // export: the same entries, docker's init layer (/.dockerenv, /etc/mtab, /dev/console…) included
    const entries: Record<string, string> = {};
    for (const [where, side] of sides) {
      const file = join(tmp, `export-${where}.tar`);
      const r = await side(['export', '-o', file, 'cmp-fs']);
      assert.equal(r.code, 0, show(r));
      const t = await run('tar', ['-tvf', file, '--numeric-owner']);
      entries[where] = t.stdout.split('\n').filter(Boolean).map((l) => {
        const f = l.split(/\s+/);
        return `${f[0]} ${f[1]} ${f[2]} ${f.slice(5).join(' ')}`;
      }).sort().join('\n');
    }
    assert.equal(entries['berthd'], entries['dockerd']);
    await same(['export', 'no-such-container']);
    await same(['commit', '-m', 'a message', '-a', 'someone <a@b>', '-c', 'ENV X=1', '-c', 'CMD ["sh", "-c", "echo $X; cat /d/f"]', '-c', 'WORKDIR /d', '-c', 'LABEL k=v', '-c', 'EXPOSE 8080', 'cmp-fs', 'cmp-committed:v1']);
    await same(['inspect', '-f', '{{.Comment}}|{{.Author}}|{{.Config.Env}}|{{.Config.Cmd}}|{{.Config.WorkingDir}}|{{.Config.Labels}}|{{.Config.ExposedPorts}}|{{len .RootFS.Layers}}', 'cmp-committed:v1']);
    await same(['run', '--rm', ...none, 'cmp-committed:v1']);
    await same(['history', '--format', '{{.CreatedBy}}|{{.Comment}}', 'cmp-committed:v1']);
    await same(['commit', '-c', 'BOGUS x', 'cmp-fs']);
    await same(['commit', 'no-such-container']);
    await both(['run', '-d', '--name', 'cmp-fs2', ...none, img, 'sh', '-c', 'echo 1 > /counter; sleep 1000']);
    await same(['commit', '--pause=false', 'cmp-fs2', 'cmp-committed:v2'], { norm: (s) => s.replace(/<digest>/, '<digest>') });
    await same(['commit', 'cmp-fs2', 'cmp-committed:v3']);
    await same(['run', '--rm', ...none, 'cmp-committed:v3', 'cat', '/counter']);
    await same(['ps', '--filter', 'name=cmp-fs2', '--format', '{{.Names}} {{.Status}}']);
    await quietly(['rm', '-f', 'cmp-fs', 'cmp-fs2']);
    await quietly(['rmi', 'cmp-committed:v1', 'cmp-committed:v2', 'cmp-committed:v3']);
  });

  // ---- watching -------------------------------------------------------------

  test('top, stats --no-stream --format and port answer as docker does', async () => {
    await both(['run', '-d', '--name', 'cmp-w', ...none, img, 'sleep', '1000']);
    const pids = (s: string) => s.replace(/^(\S+\s+)\d+\s+\d+\s+\d+/gm, '$1PID PPID C').replace(/\d\d:\d\d(:\d\d)?/g, 'TIME').replace(/ +/g, ' ');
    await same(['top', 'cmp-w'], { norm: pids });
    await same(['top', 'cmp-w', '-o', 'comm,user'], { norm: (s) => s.replace(/ +/g, ' ') });
    await same(['top', 'no-such-container']);
    await same(['stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}} {{.NetIO}}', 'cmp-w']);
    await same(['stats', '--no-stream', '--format', 'table {{.Name}}\t{{.PIDs}}', 'cmp-w']);
    await same(['stats', '--no-stream', '--format', '{{json .Name}}', 'cmp-w']);
    await same(['stats', '--no-stream', 'no-such-container']);
    await same(['port', 'cmp-w']);
    await same(['port', 'cmp-w', '80']);
    await same(['port', 'cmp-w', '80/udp']);
    await same(['port', 'no-such-container']);
    await both(['create', '--name', 'cmp-w2', ...none, img, 'true']);
    await same(['top', 'cmp-w2']);
    await same(['stats', '--no-stream', '--format', '{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.NetIO}} {{.BlockIO}} {{.PIDs}}', 'cmp-w2']);
    await quietly(['rm', '-f', 'cmp-w', 'cmp-w2']);
  });

  test('events --since --until --filter --format list the same lifecycle, exec and commit events', async () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    await both(['run', '--name', 'cmp-ev', ...none, img, 'true']);
    await both(['start', 'cmp-ev']);
    await both(['commit', 'cmp-ev', 'cmp-ev-image']);
    await both(['export', '-o', join(tmp, 'ev.tar'), 'cmp-ev']);
    await both(['rename', 'cmp-ev', 'cmp-ev2']);
    await both(['rm', 'cmp-ev2']);
    await both(['run', '-d', '--name', 'cmp-ev3', ...none, img, 'sleep', '1000']);
    await both(['exec', 'cmp-ev3', 'true']);
    await both(['pause', 'cmp-ev3']);
    await both(['unpause', 'cmp-ev3']);
    await both(['rm', '-f', 'cmp-ev3']);
    await new Promise((r) => setTimeout(r, 1500));
    const untilT = String(Math.floor(Date.now() / 1000));
    await new Promise((r) => setTimeout(r, 1100));
    const window = ['--since', since, '--until', untilT];
    const ours = (s: string) => s.split('\n').filter((l) => / cmp-ev/.test(l)).join('\n');
    await same(['events', ...window, '--filter', 'type=container', '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}}'], { norm: ours });
    await same(['events', ...window, '--filter', 'container=cmp-ev3', '--filter', 'event=exec_die', '--format', '{{.Action}} {{.Actor.Attributes.exitCode}} {{len .Actor.Attributes.execID}}']);
    await same(['events', ...window, '--filter', 'event=commit', '--format', '{{.Action}} {{.Actor.Attributes.comment}}|{{.Actor.Attributes.imageRef}}|{{.Actor.Attributes.name}}']);
    await same(['events', ...window, '--filter', 'image=cmp-ev-image', '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}']);
    await same(['events', ...window, '--filter', 'event=rename', '--format', '{{json .Actor.Attributes}}']);
    // dockerd 20.10 ignores an unknown filter key; current docker refuses it, as berth does.
    const bogus = await onBerthd(['events', '--filter', 'bogus=1', '--until', untilT]);
    assert.deepEqual([bogus.code, bogus.stderr], [1, "Error response from daemon: invalid filter 'bogus'\n"], show(bogus));
    await same(['events', '--since', 'not-a-time', '--until', untilT]);
    await quietly(['rmi', 'cmp-ev-image']);
  });

  test('ps STATUS texts: Created, Up, Exited (n), (Paused), (healthy)', async () => {
    await both(['create', '--name', 'cmp-ps1', ...none, img, 'true']);
    for (const [, side] of sides) assert.equal((await side(['run', '--name', 'cmp-ps2', ...none, img, 'sh', '-c', 'exit 3'])).code, 3);
    await both(['run', '-d', '--name', 'cmp-ps3', ...none, img, 'sleep', '1000']);
    await both(['pause', 'cmp-ps3']);
    await both(['run', '-d', '--name', 'cmp-ps4', ...none, '--health-cmd', 'true', '--health-interval', '500ms', img, 'sleep', '1000']);
    for (const [where, side] of sides) {
      await until(`cmp-ps4 healthy on ${where}`, 20_000, async () => ((await side(['inspect', '-f', '{{.State.Health.Status}}', 'cmp-ps4'])).stdout.trim() === 'healthy' ? true : undefined));
    }
    await same(['ps', '-a', '--filter', 'name=cmp-ps', '--format', '{{.Names}}|{{.Status}}|{{.State}}']);
    await same(['ps', '-a', '--filter', 'name=cmp-ps', '--filter', 'status=paused', '--format', '{{.Names}}']);
    await same(['ps', '-a', '--filter', 'name=cmp-ps', '--filter', 'health=healthy', '--format', '{{.Names}}']);
    await same(['ps', '-a', '--filter', 'name=cmp-ps', '--filter', 'exited=3', '--format', '{{.Names}}']);
    await quietly(['rm', '-f', 'cmp-ps1', 'cmp-ps2', 'cmp-ps3', 'cmp-ps4']);
  });

  // ---- lifecycle ------------------------------------------------------------

  test('pause, unpause and rename answer and fail as docker does', async () => {
    await both(['run', '-d', '--name', 'cmp-pr', ...none, img, 'sleep', '1000']);
    await both(['create', '--name', 'cmp-pr-other', ...none, img, 'true']);
    await same(['pause', 'cmp-pr']);
    await same(['pause', 'cmp-pr']);
    await same(['inspect', '-f', '{{.State.Status}} {{.State.Paused}}', 'cmp-pr']);
    await same(['unpause', 'cmp-pr']);
    await same(['unpause', 'cmp-pr']);
    await same(['pause', 'cmp-pr-other']);
    await same(['pause', 'no-such-container']);
    await same(['rename', 'cmp-pr', 'cmp-pr']);
    await same(['rename', 'cmp-pr', 'cmp-pr-other']);
    await same(['rename', 'cmp-pr', 'cmp-pr-renamed']);
    await same(['inspect', '-f', '{{.Name}}', 'cmp-pr-renamed']);
    await same(['rename', 'no-such-container', 'x1']);
    await same(['rename', 'cmp-pr-renamed', 'bad/name']);
    await quietly(['rm', '-f', 'cmp-pr-renamed', 'cmp-pr-other']);
  });

  test('update -m --memory-swap --cpus --pids-limit --restart changes the same settings, with the same errors', async () => {
    await both(['run', '-d', '--name', 'cmp-up', ...none, img, 'sleep', '1000']);
    await same(['update', '-m', '32m', '--memory-swap', '64m', '--cpus', '0.5', '--pids-limit', '30', '--restart', 'on-failure:3', 'cmp-up']);
    await same(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}', 'cmp-up']);
    await same(['exec', 'cmp-up', 'sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us']);
    await same(['update', '-m', '1k', 'cmp-up']);
    await same(['update', 'cmp-up']);
    // dockerd 20.10 words this `invalid restart policy 'bogus'`; current docker as berth does.
    const bogus = await same(['update', '--restart', 'bogus', 'cmp-up'], { what: 'code' });
    assert.equal(bogus.stderr, "Error response from daemon: invalid restart policy: unknown policy 'bogus'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'\n");
    await same(['update', '-m', '64m', 'no-such-container']);
    await quietly(['rm', '-f', 'cmp-up']);
  });

  test('restart policies on-failure:2, always and unless-stopped restart as docker does', { timeout: 120_000 }, async () => {
    await both(['run', '-d', '--name', 'cmp-rp1', '--restart', 'on-failure:2', ...none, img, 'sh', '-c', 'exit 1']);
    await both(['run', '-d', '--name', 'cmp-rp2', '--restart', 'always', ...none, img, 'sh', '-c', 'sleep 0.2; exit 0']);
    await both(['run', '-d', '--name', 'cmp-rp3', '--restart', 'on-failure', ...none, img, 'true']);
    for (const [where, side] of sides) {
      await until(`cmp-rp1 exited after two restarts on ${where}`, 30_000, async () => ((await side(['inspect', '-f', '{{.State.Status}} {{.RestartCount}}', 'cmp-rp1'])).stdout.trim() === 'exited 2' ? true : undefined));
      await until(`cmp-rp2 restarted on ${where}`, 30_000, async () => (Number((await side(['inspect', '-f', '{{.RestartCount}}', 'cmp-rp2'])).stdout.trim()) >= 2 ? true : undefined));
    }
    await same(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}} {{.HostConfig.RestartPolicy.Name}}', 'cmp-rp1']);
    await same(['ps', '-a', '--filter', 'name=cmp-rp1', '--format', '{{.Status}}']);
    await same(['inspect', '-f', '{{.State.Status}} {{.RestartCount}}', 'cmp-rp3']);
    // unless-stopped restarts until stopped by hand, then stays stopped
    await both(['run', '-d', '--name', 'cmp-rp4', '--restart', 'unless-stopped', ...none, img, 'sh', '-c', 'sleep 0.3; exit 0']);
    for (const [where, side] of sides) {
      await until(`cmp-rp4 restarted on ${where}`, 30_000, async () => (Number((await side(['inspect', '-f', '{{.RestartCount}}', 'cmp-rp4'])).stdout.trim()) >= 1 ? true : undefined));
    }
    await same(['stop', '-t', '1', 'cmp-rp4']);
    await new Promise((r) => setTimeout(r, 1500));
    await same(['inspect', '-f', '{{.State.Status}} {{.HostConfig.RestartPolicy.Name}}', 'cmp-rp4']);
    await same(['run', '--rm', '--restart', 'always', ...none, img, 'true']);
    await same(['run', '--restart', 'on-failure:x', ...none, img, 'true']);
    // dockerd 20.10: `maximum retry count cannot be used with restart policy 'always'`; current docker as berth.
    const always3 = await same(['run', '--restart', 'always:3', ...none, img, 'true'], { what: 'code' });
    assert.match(always3.stderr, /invalid restart policy: maximum retry count can only be used with 'on-failure'/);
    await quietly(['rm', '-f', 'cmp-rp1', 'cmp-rp2', 'cmp-rp3', 'cmp-rp4']);
  });

  test('health checks: Config.Healthcheck, the State.Health shape, unhealthy and the health_status events', { timeout: 120_000 }, async () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    await both(['run', '-d', '--name', 'cmp-hc', ...none, '--health-cmd', 'test -f /ok || { echo missing; exit 1; }', '--health-interval', '300ms', '--health-retries', '2', '--health-timeout', '5s', '--health-start-period', '0s', img, 'sleep', '1000']);
    await both(['run', '-d', '--name', 'cmp-hc-none', ...none, '--no-healthcheck', img, 'sleep', '1000']);
    await same(['inspect', '-f', '{{json .Config.Healthcheck}}', 'cmp-hc']);
    await same(['inspect', '-f', '{{json .Config.Healthcheck}} {{json .State.Health}}', 'cmp-hc-none']);
    for (const [where, side] of sides) {
      await until(`cmp-hc unhealthy on ${where}`, 20_000, async () => ((await side(['inspect', '-f', '{{.State.Health.Status}}', 'cmp-hc'])).stdout.trim() === 'unhealthy' ? true : undefined));
    }
    const shape = '{{.State.Health.Status}} {{range $i, $e := .State.Health.Log}}{{if eq $i 0}}{{$e.ExitCode}} {{json $e.Output}} {{printf "%T %T" $e.Start $e.End}}{{end}}{{end}}';
    await same(['inspect', '-f', shape, 'cmp-hc']);
    await both(['exec', 'cmp-hc', 'touch', '/ok']);
    for (const [where, side] of sides) {
      await until(`cmp-hc healthy on ${where}`, 20_000, async () => ((await side(['inspect', '-f', '{{.State.Health.Status}} {{.State.Health.FailingStreak}}', 'cmp-hc'])).stdout.trim() === 'healthy 0' ? true : undefined));
    }
    await both(['rm', '-f', 'cmp-hc', 'cmp-hc-none']);
    await new Promise((r) => setTimeout(r, 1100));
    const window = ['--since', since, '--until', String(Math.floor(Date.now() / 1000))];
    await new Promise((r) => setTimeout(r, 1100));
    await same(['events', ...window, '--filter', 'event=health_status', '--format', '{{.Action}} {{.Actor.Attributes.name}}']);
    // every probe is an exec: create, start and die, in that order
    const probes = (s: string) => s.split('\n').filter(Boolean).slice(0, 3).join('\n');
    await same(['events', ...window, '--filter', 'container=cmp-hc', '--filter', 'event=exec_create', '--filter', 'event=exec_start', '--filter', 'event=exec_die', '--format', '{{.Action}}'], { norm: probes });
  });

  // ---- run flags ------------------------------------------------------------

  test('--init, --stop-signal and --stop-timeout behave as in docker', { timeout: 120_000 }, async () => {
    await same(['run', '--rm', '--init', ...none, img, 'ps', '-o', 'pid,comm'], { norm: (s) => s.replace(/^\s+\d+/gm, 'N') });
    await same(['run', '--rm', '--init', ...none, img, 'cat', '/proc/1/cmdline']);
    await both(['run', '-d', '--name', 'cmp-sig', '--stop-signal', 'SIGUSR1', '--stop-timeout', '5', ...none, img, 'sh', '-c', 'trap "echo got-usr1; exit 7" USR1; while true; do sleep 0.1; done']);
    await new Promise((r) => setTimeout(r, 500));
    await same(['inspect', '-f', '{{.Config.StopSignal}} {{.Config.StopTimeout}}', 'cmp-sig']);
    await same(['stop', 'cmp-sig']);
    await same(['inspect', '-f', '{{.State.ExitCode}}', 'cmp-sig']);
    await same(['logs', 'cmp-sig']);
    await both(['run', '-d', '--name', 'cmp-sig2', '--stop-timeout', '1', ...none, img, 'sh', '-c', 'trap "" TERM; while true; do sleep 0.1; done']);
    await new Promise((r) => setTimeout(r, 500));
    await same(['stop', 'cmp-sig2']);
    await same(['inspect', '-f', '{{.State.ExitCode}}', 'cmp-sig2']);
    await same(['run', '--stop-signal', 'SIGBOGUS', ...none, img, 'true']);
    await quietly(['rm', '-f', 'cmp-sig', 'cmp-sig2']);
  });

  test('--ulimit, --cap-add, --cap-drop and --security-opt set up the process as docker does', async () => {
    await same(['run', '--rm', ...none, '--ulimit', 'nofile=1024:2048', '--ulimit', 'nproc=100', img, 'sh', '-c', 'ulimit -n; ulimit -Hn; ulimit -u']);
    await same(['run', '--rm', ...none, '--ulimit', 'nofile=2048:1024', img, 'true']);
    await same(['run', '--rm', ...none, '--ulimit', 'bogus=1', img, 'true']);
    await same(['run', '--rm', ...none, '--cap-drop', 'ALL', '--cap-add', 'NET_ADMIN', img, 'grep', 'Cap', '/proc/self/status']);
    await same(['run', '--rm', ...none, '--cap-drop', 'CHOWN', '--cap-add', 'SYS_TIME', img, 'grep', 'Cap', '/proc/self/status']);
    await same(['run', '--rm', ...none, '--cap-drop', 'CHOWN', img, 'chown', '1', '/tmp']);
    await same(['run', '--rm', ...none, '--cap-add', 'BOGUS', img, 'true']);
    await same(['run', '--rm', ...none, '--cap-drop', 'BOGUS', img, 'true']);
    await same(['run', '--rm', ...none, '--security-opt', 'no-new-privileges', img, 'grep', 'NoNewPrivs', '/proc/self/status']);
    await same(['run', '--rm', ...none, '--security-opt', 'seccomp=unconfined', img, 'grep', 'Seccomp:', '/proc/self/status']);
    await same(['run', '--rm', ...none, '--security-opt', 'bogus', img, 'true']);
    await same(['run', '--rm', ...none, '--security-opt', 'seccomp=/no/such/profile.json', img, 'true']);
  });

  test("docker's default seccomp profile: no user namespace, mount or setns without CAP_SYS_ADMIN; allowed with it", async () => {
    // containers-common's profile allows these to every container; Docker's lets only CAP_SYS_ADMIN have them.
    await same(['run', '--rm', ...none, img, 'unshare', '-U', 'true']);
    await same(['run', '--rm', ...none, img, 'unshare', '-m', 'true']);
    await same(['run', '--rm', ...none, img, 'nsenter', '-t', '1', '-n', 'true']);
    await same(['run', '--rm', ...none, '--cap-add', 'SYS_ADMIN', img, 'unshare', '-m', 'true']);
    await same(['run', '--rm', ...none, '--cap-add', 'SYS_ADMIN', img, 'sh', '-c', 'unshare -U true; echo rc=$?']);
  });

  test('--privileged is recorded; in a container it has every capability and the host\'s devices (berthd alone: dockerd cannot here)', async () => {
    await both(['create', '--name', 'cmp-priv', '--privileged', ...none, img, 'true']);
    await same(['inspect', '-f', '{{.HostConfig.Privileged}} {{.HostConfig.SecurityOpt}}', 'cmp-priv']);
    // a host device that no unprivileged container gets
    const hostDev = ['kmsg', 'fuse', 'loop-control', 'mem'].find((n) => existsSync(`/dev/${n}`)) ?? 'null';
    const r = await onBerthd(['run', '--rm', '--privileged', ...none, img, 'sh', '-c', `grep CapBnd /proc/self/status; test -e /dev/${hostDev} && echo host-device; grep -c " /sys sysfs rw," /proc/mounts`]);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /host-device\n1\n$/, show(r));
    const bnd = BigInt(`0x${/CapBnd:\s*([0-9a-f]+)/.exec(r.stdout)?.[1] ?? '0'}`);
    assert.ok(bnd > 0xa80425fbn, `every capability the host has: ${r.stdout}`);
    const plain = await onBerthd(['run', '--rm', ...none, img, 'sh', '-c', `test -e /dev/${hostDev} || echo no-host-device`]);
    assert.equal(plain.stdout, hostDev === 'null' ? '' : 'no-host-device\n', show(plain));
    await quietly(['rm', '-f', 'cmp-priv']);
  });

  test('--read-only, --tmpfs, --device, --shm-size and --sysctl set up the container as docker does', async () => {
    await same(['run', '--rm', ...none, '--read-only', img, 'touch', '/x']);
    await same(['run', '--rm', ...none, '--read-only', '--tmpfs', '/run:size=1m,mode=1777', img, 'sh', '-c', 'touch /run/x && grep " /run " /proc/mounts && stat -c %a /run']);
    await same(['run', '--rm', ...none, '--tmpfs', '/t', img, 'sh', '-c', 'grep " /t " /proc/mounts']);
    await same(['run', '--rm', ...none, '--device', '/dev/null:/dev/mynull', img, 'sh', '-c', 'ls -l /dev/mynull | cut -c1-10; echo x > /dev/mynull && echo written']);
    await same(['run', '--rm', ...none, '--device', '/dev/zero:/dev/z:r', img, 'sh', '-c', 'head -c 3 /dev/z | wc -c; echo x > /dev/z || echo refused']);
    await same(['run', '--rm', ...none, '--device', '/dev/no-such-device', img, 'true']);
    await same(['run', '--rm', ...none, '--shm-size', '8m', img, 'sh', '-c', 'grep /dev/shm /proc/mounts']);
    await same(['run', '--rm', ...none, '--shm-size', 'bogus', img, 'true']);
    await same(['run', '--rm', ...none, '--sysctl', 'net.ipv4.ip_forward=1', '--sysctl', 'kernel.msgmax=65536', img, 'sh', '-c', 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax']);
    await same(['run', '--rm', ...none, '--sysctl', 'kernel.bogus=1', img, 'true']);
  });

  test('--add-host and --dns write /etc/hosts and /etc/resolv.conf as docker does', async () => {
    await same(['run', '--rm', ...none, '--add-host', 'foo:1.2.3.4', '--add-host', 'bar.example:10.0.0.1', img, 'cat', '/etc/hosts']);
    await same(['run', '--rm', ...none, '--add-host', 'foo', img, 'true']);
    // dockerd 20.10 writes `search` before `nameserver`; current docker (and berth) the other way round: compare the lines.
    const lines = (s: string) => s.split('\n').filter((l) => l && !l.startsWith('#')).sort().join('\n');
    await same(['run', '--rm', ...none, '--dns', '9.9.9.9', '--dns', '1.1.1.1', '--dns-search', 'ex.com', '--dns-option', 'ndots:2', img, 'cat', '/etc/resolv.conf'], { norm: lines });
    await same(['run', '--rm', ...none, '--dns', 'not-an-ip', img, 'true']);
  });

  // ---- clean-up (last: it removes what the other cases left) ----------------

  test('container prune, image prune (-a), system prune and system df (-v) agree with docker', { timeout: 120_000 }, async () => {
    // The same starting point on both: no containers, no image but busybox.
    for (const [, side] of sides) {
      const ids = (await side(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
      if (ids.length > 0) await side(['rm', '-f', ...ids]);
      const others = (await side(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'])).stdout.split('\n').filter((l) => l && !l.startsWith(`${img}:latest `));
      for (const l of others) await side(['rmi', '-f', l.startsWith('<none>') ? (l.split(' ')[1] ?? '') : (l.split(' ')[0] ?? '')]);
    }
    await both(['tag', img, 'cmp-prune:tagged']);
    await both(['run', '--name', 'cmp-pr-exited', ...none, img, 'sh', '-c', 'echo data > /file']);
    await both(['run', '-d', '--name', 'cmp-pr-running', ...none, img, 'sleep', '1000']);
    await both(['create', '--name', 'cmp-pr-created', '-l', 'keep=1', ...none, img, 'true']);
    await both(['commit', 'cmp-pr-exited', 'cmp-prune:committed']);
    await both(['commit', 'cmp-pr-exited']);
    // docker orders images by creation second only: ties come in any order.
    const sorted = (s: string) => s.split('\n').sort().join('\n');
    const sizes = (s: string) => s.replace(/\d+(\.\d+)?k?B\b/g, 'SIZE').replace(/\d+(\.\d+)?MB\b/g, 'MB').replace(/ +/g, ' ');
    await same(['system', 'df']);
    await same(['system', 'df', '-v'], { norm: (s) => sorted(sizes(s)) });
    await same(['container', 'prune', '-f', '--filter', 'label!=keep']);
    await same(['ps', '-a', '--format', '{{.Names}}']);
    await same(['image', 'prune', '-f']);
    await same(['images', '--format', '{{.Repository}}:{{.Tag}}'], { norm: sorted });
    // dockerd 20.10 capitalises `Invalid filter 'bogus'`; current docker words it as berth does.
    const bogus = await same(['image', 'prune', '-f', '--filter', 'bogus=1'], { what: 'stdout+code' });
    assert.equal(bogus.stderr, "Error response from daemon: invalid filter 'bogus'\n");
    await same(['system', 'prune', '-f']);
    await same(['ps', '-a', '--format', '{{.Names}}']);
    await same(['image', 'prune', '-a', '-f'], { norm: sorted });
    await same(['images', '--format', '{{.Repository}}:{{.Tag}}'], { norm: sorted });
    await same(['system', 'df']);
    await same(['system', 'prune', '-a', '-f', '--volumes']);
  });
});
