// Smoke scenarios with the docker CLI (v28 and Debian's 20.10): run, ps and
// inspect behave the same against berthd as against the oracle dockerd.
import { clientTargets, dockerCli, sameOnBoth, shape, type RunResult, type Target } from './harness.ts';

clientTargets();

const brief = (r: RunResult) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr });

for (const cli of ['v28', 'debian'] as const) {
  const docker = (t: Target, args: string[]) => dockerCli(t, args, { cli });

  sameOnBoth(`docker CLI ${cli}: run --rm prints the command's output and exit code`, async (t) => ({
    'run echo': brief(await docker(t, ['run', '--rm', 'busybox', 'echo', 'hello'])),
    'run exit 3': brief(await docker(t, ['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3'])),
    'run missing image': brief(await docker(t, ['run', '--rm', '--pull', 'never', 'berth-test/absent:1'])),
  }));

  sameOnBoth(`docker CLI ${cli}: run -d, ps and inspect a running container`, async (t) => {
    const started = await docker(t, ['run', '-d', '--name', 'smoke', '--label', 'smoke=yes', '-e', 'A=1', 'busybox', 'sleep', '300']);
    const ps = await docker(t, ['ps', '--filter', 'label=smoke=yes', '--format', '{{.Names}}|{{.Image}}|{{.Command}}|{{.Status}}|{{.Ports}}|{{.Labels}}']);
    const fields = await docker(t, ['inspect', '-f', '{{.Name}} {{.State.Status}} {{.State.Running}} {{.Path}} {{.Args}} {{.Config.Image}} {{.HostConfig.NetworkMode}} {{.RestartCount}}', 'smoke']);
    const env = await docker(t, ['inspect', '-f', '{{json .Config.Env}}', 'smoke']);
    const psQuiet = await docker(t, ['ps', '-q', '--no-trunc']);
    const stop = await docker(t, ['stop', '-t', '1', 'smoke']);
    const exited = await docker(t, ['ps', '-a', '--filter', 'name=smoke', '--format', '{{.Names}} {{.Status}}']);
    const rm = await docker(t, ['rm', 'smoke']);
    return {
      'run -d': { code: started.code, idLength: started.stdout.trim().length },
      'ps': brief(ps),
      'inspect -f': brief(fields),
      'inspect env': brief(env),
      'ps -q lists the id run printed': psQuiet.stdout.trim() === started.stdout.trim(),
      'stop': brief(stop),
      'ps -a after stop': brief(exited),
      'rm': brief(rm),
      'inspect after rm': brief(await docker(t, ['inspect', 'smoke'])),
    };
  });

  sameOnBoth(`docker CLI ${cli}: inspect of a container and an image has the oracle's shape`, async (t) => {
    await docker(t, ['create', '--name', 'smoke-shape', 'busybox', 'true']);
    const container = JSON.parse((await docker(t, ['inspect', '--type', 'container', 'smoke-shape'])).stdout || 'null') as unknown;
    const image = JSON.parse((await docker(t, ['inspect', '--type', 'image', 'busybox'])).stdout || 'null') as unknown;
    return { container: shape(container), image: shape(image) };
  });
}
