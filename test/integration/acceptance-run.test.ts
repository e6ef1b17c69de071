// Acceptance of issue 2, tried as a new user would: `berth run` prints and exits
// with the container's code; a detached `sleep` shows Up, `stop -t 2` ends it
// with SIGKILL after about 2 s (busybox sleep as PID 1 ignores SIGTERM), `ps -a`
// shows Exited (137), `rm` removes it. Then the same sequence typed with the
// real docker CLI against berthd, which must print the same shapes and codes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useBusyboxDaemon } from './harness.ts';

type Cli = 'berth' | 'docker';

const d = useBusyboxDaemon();

async function cli(which: Cli, args: string[]) {
  return which === 'berth' ? d().berth(args) : d().docker(args);
}

/** Shows a command's result in an assertion message. */
function show(r: { code: number; stdout: string; stderr: string }): string {
  return `exit ${r.code}, stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr)}`;
}

/** The header and the row naming `name` from `ps` table output. */
function psRow(stdout: string, name: string): { header: string; row: string | undefined } {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  return { header: lines[0] ?? '', row: lines.slice(1).find((l) => l.trimEnd().endsWith(` ${name}`)) };
}

// The issue types `--name w`, but Docker refuses one-character names ("Invalid
// container name (w), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", exit 125),
// and berth answers as Docker does; so the sequence uses w1.
const name = 'w1';

const psHeader = /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/;

const headers: Partial<Record<Cli, { ps: string }>> = {};

for (const which of ['berth', 'docker'] as const) {
  describe(`the run sequence typed with ${which}`, { timeout: 120_000 }, () => {
    test(`${which} run --rm busybox echo hello prints hello and exits 0`, async () => {
      const r = await cli(which, ['run', '--rm', 'busybox', 'echo', 'hello']);
      assert.equal(r.code, 0, show(r));
      assert.equal(r.stdout, 'hello\n', show(r));
    });

    test(`${which} run busybox sh -c 'exit 3' exits 3`, async () => {
      const name = `exit3-${which}`;
      try {
        const r = await cli(which, ['run', '--name', name, 'busybox', 'sh', '-c', 'exit 3']);
        assert.equal(r.code, 3, show(r));
        assert.equal(r.stdout, '', show(r));
      } finally {
        await cli(which, ['rm', '-f', name]);
      }
    });

    test(`${which} stop -t 2 on a detached sleep takes about 2 s and leaves Exited (137)`, async () => {
      try {
        const run = await cli(which, ['run', '-d', '--name', name, 'busybox', 'sleep', '1000']);
        assert.equal(run.code, 0, show(run));
        assert.match(run.stdout, /^[0-9a-f]{64}\n$/, `run -d prints the full container id: ${show(run)}`);

        const ps = await cli(which, ['ps']);
        assert.equal(ps.code, 0, show(ps));
        const up = psRow(ps.stdout, name);
        assert.match(up.header, psHeader, `ps header: ${show(ps)}`);
        assert.ok(up.row, `ps lists ${name}: ${show(ps)}`);
        assert.match(up.row, /^[0-9a-f]{12}\s+busybox\s+"sleep 1000"\s+.+\s+Up .+\s+w1$/, `ps row for ${name}: ${up.row}`);
        headers[which] = { ps: up.header };

        const started = performance.now();
        const stop = await cli(which, ['stop', '-t', '2', name]);
        const seconds = (performance.now() - started) / 1000;
        assert.equal(stop.code, 0, show(stop));
        assert.equal(stop.stdout, `${name}\n`, `stop prints the name it was given: ${show(stop)}`);
        assert.ok(seconds >= 1.5 && seconds <= 6, `stop -t 2 returned after ${seconds.toFixed(2)} s, expected about 2 s`);

        const psAfter = await cli(which, ['ps']);
        assert.equal(psRow(psAfter.stdout, name).row, undefined, `ps no longer lists ${name}: ${show(psAfter)}`);

        const psAll = await cli(which, ['ps', '-a']);
        assert.equal(psAll.code, 0, show(psAll));
        const exited = psRow(psAll.stdout, name);
        assert.ok(exited.row, `ps -a lists ${name}: ${show(psAll)}`);
        assert.match(exited.row, /\sExited \(137\) .+ ago\s+w1$/, `ps -a row for ${name}: ${exited.row}`);

        const rm = await cli(which, ['rm', name]);
        assert.equal(rm.code, 0, show(rm));
        assert.equal(rm.stdout, `${name}\n`, show(rm));
        const psGone = await cli(which, ['ps', '-a']);
        assert.equal(psRow(psGone.stdout, name).row, undefined, `ps -a no longer lists ${name}: ${show(psGone)}`);
      } finally {
        await cli(which, ['rm', '-f', name]);
      }
    });
  });
}

test('berth and docker print the same ps header against berthd', () => {
  assert.ok(headers.berth && headers.docker, 'both run sequences reached ps');
  assert.equal(headers.berth.ps.replace(/\s+/g, ' '), headers.docker.ps.replace(/\s+/g, ' '));
});

test('berth reports a missing container as docker does, exit 1', async () => {
  const b = await d().berth(['rm', 'no-such-container']);
  const k = await d().docker(['rm', 'no-such-container']);
  assert.equal(k.code, 1, show(k));
  assert.equal(b.code, k.code, `berth ${show(b)} vs docker ${show(k)}`);
  assert.match(k.stderr, /No such container: no-such-container/, show(k));
  assert.match(b.stderr, /No such container: no-such-container/, show(b));
});
