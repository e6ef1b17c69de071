// Smoke scenarios with Compose's Go binary (`docker compose`, v5.6.0) and
// docker-compose 1.29: up, ps, exec, run, logs and down of a small project
// behave the same against berthd as against the oracle dockerd.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clientTargets, compose, dockerCli, sameOnBoth, scratchDir } from './harness.ts';

clientTargets();

const composeFile = `services:
  web:
    image: busybox
    command: ["sh", "-c", "echo web started; exec sleep 300"]
    environment:
      GREETING: hello
    labels:
      smoke: compose
  job:
    image: busybox
    command: ["echo", "job done"]
    depends_on: [web]
`;

for (const flavor of ['v2', 'v1'] as const) {
  const cwd = scratchDir();
  writeFileSync(join(cwd, 'docker-compose.yml'), composeFile);
  const name = flavor === 'v2' ? 'Compose\'s Go binary (docker compose)' : 'docker-compose 1.29';
  sameOnBoth(`${name}: up, ps, exec, run, logs and down of a small project`, async (t) => {
    const c = (args: string[]) => compose(t, ['-p', 'berthsmoke', ...args], { flavor, cwd, timeoutMs: 180_000 });
    const up = await c(['up', '-d']);
    const running = await c(['ps', '-q', 'web']);
    const exec = await c(['exec', '-T', 'web', 'sh', '-c', 'echo $GREETING']);
    const oneOff = await c(['run', '--rm', '--no-deps', '-T', 'job', 'echo', 'one-off']);
    // job exits at once; its log (and web's first line) are there to read.
    await new Promise((r) => setTimeout(r, 500));
    const logs = await c(['logs', '--no-color', 'job']);
    const containers = await dockerCli(t, ['ps', '-a', '--filter', 'label=com.docker.compose.project=berthsmoke', '--format', '{{.Label "com.docker.compose.service"}} {{.State}} {{.Label "smoke"}}']);
    const down = await c(['down']);
    const after = await dockerCli(t, ['ps', '-aq', '--filter', 'label=com.docker.compose.project=berthsmoke']);
    return {
      'up': { code: up.code, error: up.code === 0 ? '' : up.stderr.trim().split('\n').slice(-3).join('\n') },
      'ps -q web': running.stdout.trim().split('\n').filter(Boolean).length,
      'exec': { code: exec.code, stdout: exec.stdout },
      'run --rm': { code: oneOff.code, stdout: oneOff.stdout.replace(/\r/g, '') },
      'logs job': { code: logs.code, mentionsJobDone: logs.stdout.includes('job done') },
      'containers': containers.stdout.split('\n').filter(Boolean).sort(),
      'down': down.code,
      'left after down': after.stdout.trim(),
    };
  }, {
    expect: (r) => {
      assert.equal(r['up'].code, 0);
      assert.deepEqual(r['exec'], { code: 0, stdout: 'hello\n' });
      assert.equal(r['run --rm'].stdout, 'one-off\n');
      assert.equal(r['logs job'].mentionsJobDone, true);
      assert.equal(r['left after down'], '');
    },
  });
}
