// Smoke scenarios with the docker CLI (v28 and Debian's 20.10): run, ps and
// inspect behave the same against berthd as against the oracle dockerd.
import { clientTargets, dockerCli, sameOnBoth, type RunResult, type Target } from './harness.ts';

clientTargets();

const brief = (r: RunResult) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr });

for (const cli of ['v28', 'debian'] as const) {
  sameOnBoth(`docker CLI ${cli}: run --rm prints the command's output and exit code`, async (t: Target) => ({
    'run echo': brief(await dockerCli(t, ['run', '--rm', 'busybox', 'echo', 'hello'], { cli })),
    'run exit 3': brief(await dockerCli(t, ['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3'], { cli })),
  }));
}
