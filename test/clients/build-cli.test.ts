// `docker build` with the classic builder (DOCKER_BUILDKIT=0), through Debian's
// docker CLI 20.10 and CLI v28, against dockerd and berthd: a Dockerfile
// outside the context, .dockerignore, --add-host, --build-arg, --label,
// --target, -q, --iidfile, a failing RUN's exit code and message, and stderr.
// Outputs are compared with RUN containers' lines left out (dockerd runs a
// container for each metadata step, berthd does not).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { clientTargets, dockerCli, sameOnBoth, scratchDir, type Target } from './harness.ts';

clientTargets();

const classic = { DOCKER_BUILDKIT: '0' };
const strip = (s: string) => s.split('\n').filter((l) => !/^ ---> Running in [0-9a-f]{12}$|^Removing intermediate container [0-9a-f]{12}$/.test(l)).join('\n');

function files(dir: string, tree: Record<string, string>): string {
  for (const [name, data] of Object.entries(tree)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), data);
  }
  return dir;
}

for (const cli of ['debian', 'v28'] as const) {
  sameOnBoth(`docker CLI ${cli} (classic builder): -f outside the context, .dockerignore, --add-host, --build-arg, --label, --target`, async (t: Target) => {
    const root = scratchDir('berth-clients-build-cli-');
    const ctx = files(join(root, 'ctx'), { 'a.txt': 'a\n', 'secret.txt': 's\n', '.dockerignore': 'secret.txt\n' });
    const df = files(join(root, 'df'), {
      Dockerfile: 'FROM busybox AS base\nARG WHO=nobody\nCOPY . /ctx/\nRUN ls -A /ctx && echo "who=$WHO" && grep myhost /etc/hosts\nFROM base AS final\nRUN echo final\n',
    });
    const run = (args: string[]) => dockerCli(t, args, { cli, env: classic });
    const b = await run(['build', '-f', join(df, 'Dockerfile'), '--add-host', 'myhost:10.1.2.3', '--build-arg', 'WHO=cli', '--label', 'via=cli', '--target', 'base', '-t', 'cli-built', ctx]);
    const inspect = await run(['image', 'inspect', '-f', '{{json .Config.Labels}} {{.RepoTags}}', 'cli-built']);
    return { build: { code: b.code, stdout: strip(b.stdout), stderr: b.stderr }, inspect: inspect.stdout };
  });

  sameOnBoth(`docker CLI ${cli} (classic builder): -q, --iidfile, stderr, and a failing RUN's code and message`, async (t: Target) => {
    const root = scratchDir('berth-clients-build-cli-');
    const ok = files(join(root, 'ok'), { Dockerfile: 'FROM busybox\nRUN echo to-stderr >&2\n' });
    const bad = files(join(root, 'bad'), { Dockerfile: 'FROM busybox\nRUN echo before; exit 3\n' });
    const run = (args: string[]) => dockerCli(t, args, { cli, env: classic });
    const plain = await run(['build', '--no-cache', ok]);
    const quiet = await run(['build', '-q', '--iidfile', join(root, 'iid'), ok]);
    const iid = readFileSync(join(root, 'iid'), 'utf8');
    const failing = await run(['build', bad]);
    return {
      plain: { code: plain.code, stdout: strip(plain.stdout) },
      quiet: { code: quiet.code, stdout: quiet.stdout, iidMatches: quiet.stdout.trim() === iid.trim() },
      failing: { code: failing.code, stdout: strip(failing.stdout), stderr: failing.stderr },
    };
  });
}
