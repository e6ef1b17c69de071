// The real docker CLI against berthd and against a private dockerd (the
// oracle), typing the same commands: outputs and exit codes must match, after
// masking what legitimately differs (ids, times). Both engines get the same
// busybox image, imported through `docker import` from scripts/setup's tar.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, type Daemon } from '../integration/harness.ts';
import { busyboxTar, run, startPrivateDockerd, type PrivateDockerd, type RunResult } from '../integration/acceptance-support.ts';

const image = 'compat-busybox:1';

/** Masks what differs between two engines for the same behaviour. */
function normalize(s: string): string {
  return s
    .replace(/\b[0-9a-f]{64}\b/g, '<id>')
    .replace(/\b[0-9a-f]{12}\b/g, '<short-id>')
    .replace(/(Less than a second|About a minute|About an hour|\d+ (seconds?|minutes?|hours?)) ago/g, '<ago>')
    .replace(/Up (Less than a second|About a minute|\d+ (seconds?|minutes?))/g, 'Up <for>');
}

function show(r: RunResult): string {
  return `exit ${r.code}, stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr)}`;
}

interface Case {
  readonly title: string;
  readonly args: readonly string[];
  /** What to compare: all of stdout, stderr and code (default), or less. */
  readonly compare?: 'all' | 'stdout+code' | 'code';
  /** Extra checks on the berthd side (e.g. the message shape when texts differ). */
  readonly check?: (r: RunResult) => void;
  /** Commands run on both sides after the case, results ignored (clean-up). */
  readonly then?: readonly (readonly string[])[];
}

const cases: Case[] = [
  { title: 'run --rm echo prints hello', args: ['run', '--rm', image, 'echo', 'hello'] },
  { title: 'run keeps stdout and stderr apart and returns the exit code', args: ['run', '--rm', image, 'sh', '-c', 'echo out; echo err >&2; exit 5'] },
  { title: 'run of a missing command exits 127', args: ['run', '--rm', image, 'no-such-command'], compare: 'code', check: (r) => assert.match(r.stderr, /executable file not found in \$PATH/) },
  { title: 'run of a non-executable file exits 126', args: ['run', '--rm', image, '/etc/passwd'], compare: 'code', check: (r) => assert.match(r.stderr, /permission denied/) },
  { title: 'the default user is root with its groups', args: ['run', '--rm', image, 'id'] },
  { title: '-u nobody runs as nobody', args: ['run', '--rm', '-u', 'nobody', image, 'id'] },
  { title: '-u uid:gid runs as that uid and gid', args: ['run', '--rm', '-u', '1234:5678', image, 'id'] },
  { title: '-w sets the working directory', args: ['run', '--rm', '-w', '/tmp', image, 'pwd'] },
  { title: '-e sets the environment next to the default PATH', args: ['run', '--rm', '-e', 'FOO=bar', image, 'sh', '-c', 'echo "$FOO $PATH $HOME"'] },
  { title: 'the environment has exactly the default variables', args: ['run', '--rm', image, 'env'], compare: 'code', check: (r) => assert.deepEqual(r.stdout.split('\n').filter(Boolean).map((l) => l.split('=')[0]).sort(), ['HOME', 'HOSTNAME', 'PATH']) },
  { title: '--hostname sets the hostname', args: ['run', '--rm', '--hostname', 'box', image, 'hostname'] },
  { title: 'the default hostname is the short container id', args: ['run', '--rm', image, 'hostname'] },
  { title: 'the capability sets are docker\'s defaults', args: ['run', '--rm', image, 'sh', '-c', 'grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb)" /proc/self/status'] },
  { title: 'seccomp filters and no-new-privileges is off by default', args: ['run', '--rm', image, 'sh', '-c', 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status'] },
  { title: '/dev holds the default devices', args: ['run', '--rm', image, 'ls', '/dev'] },
  { title: '/proc/kcore and friends are masked', args: ['run', '--rm', image, 'sh', '-c', 'wc -c < /proc/kcore; ls /proc/acpi /sys/firmware | wc -l'] },
  { title: '/proc/sys is read-only', args: ['run', '--rm', image, 'sh', '-c', 'echo 1 > /proc/sys/kernel/domainname && echo written || echo refused'], compare: 'stdout+code' },
  { title: 'the network is loopback only with --network none', args: ['run', '--rm', '--network', 'none', image, 'sh', '-c', 'ls /sys/class/net'] },
  { title: '/etc/hosts, /etc/hostname and /etc/resolv.conf exist', args: ['run', '--rm', '--network', 'none', image, 'sh', '-c', 'ls /etc/hosts /etc/hostname /etc/resolv.conf'] },
  { title: '--pids-limit is applied', args: ['run', '--rm', '--pids-limit', '50', image, 'sh', '-c', 'cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max'] },
  { title: '-m is applied', args: ['run', '--rm', '-m', '64m', image, 'sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max'] },
  {
    title: 'ps -a shows an exited container with its code',
    args: ['ps', '-a', '--filter', 'name=^/exited-one$', '--format', '{{.Names}}|{{.Image}}|{{.Command}}|{{.Status}}'],
    then: [['rm', '-f', 'exited-one']],
  },
  { title: 'a one-character container name is refused with exit 125', args: ['run', '--name', 'w', image, 'true'] },
  { title: 'rm of a missing container says so and exits 1', args: ['rm', 'no-such-container'] },
  { title: 'stop of a missing container says so and exits 1', args: ['stop', 'no-such-container'] },
  { title: 'inspect of a missing object prints [] and exits 1', args: ['inspect', 'no-such-thing'] },
  { title: 'images lists the image', args: ['images', '--format', '{{.Repository}}:{{.Tag}}', image] },
];

describe('the docker CLI gets the same answers from berthd as from dockerd', { timeout: 600_000 }, () => {
  let berthd: Daemon | undefined;
  let dockerd: PrivateDockerd | undefined;
  const onBerthd = (args: readonly string[], input?: Buffer) => {
    assert.ok(berthd, 'berthd did not start');
    return run('docker', args, { env: { ...process.env, DOCKER_HOST: `unix://${berthd.socket}` }, ...(input ? { input } : {}) });
  };
  const onDockerd = (args: readonly string[], input?: Buffer) => {
    assert.ok(dockerd, 'dockerd did not start');
    return dockerd.docker(args, input ? { input } : {});
  };

  before(async () => {
    [berthd, dockerd] = await Promise.all([startDaemon(), startPrivateDockerd()]);
    const tar = busyboxTar();
    for (const [where, r] of [['berthd', await onBerthd(['import', '-c', 'CMD ["sh"]', '-', image], tar)], ['dockerd', await onDockerd(['import', '-c', 'CMD ["sh"]', '-', image], tar)]] as const) {
      assert.equal(r.code, 0, `docker import into ${where}: ${show(r)}`);
    }
    // For the ps case: one container that ran and exited 3.
    for (const side of [onBerthd, onDockerd]) await side(['run', '--name', 'exited-one', image, 'sh', '-c', 'exit 3']);
  });

  after(async () => {
    await Promise.all([berthd?.stop(), dockerd?.stop()]);
  });

  for (const c of cases) {
    test(`docker ${c.args.join(' ')}: ${c.title}, as on dockerd`, async () => {
      const [b, k] = [await onBerthd(c.args), await onDockerd(c.args)];
      for (const next of c.then ?? []) await Promise.all([onBerthd(next), onDockerd(next)]);
      const compare = c.compare ?? 'all';
      const msg = `berthd: ${show(b)}\ndockerd: ${show(k)}`;
      assert.equal(b.code, k.code, `exit codes differ\n${msg}`);
      if (compare !== 'code') assert.equal(normalize(b.stdout), normalize(k.stdout), `stdout differs\n${msg}`);
      if (compare === 'all') assert.equal(normalize(b.stderr), normalize(k.stderr), `stderr differs\n${msg}`);
      c.check?.(b);
    });
  }
});
