// The berth CLI's lines of issue 11, compared with the docker CLI's own
// clients: each scenario runs through the docker CLI v28 (or Compose's Go
// binary, `docker compose`) against the oracle dockerd and through the berth
// CLI (`berth`, `berth compose`) against berthd, with "berth" read as
// "docker" in what it prints:
// - `--net` and `--net-alias`, the docker CLI's hidden aliases of `--network`
//   and `--network-alias`, on run and create;
// - `inspect -f` with a parenthesised pipeline and a field chain,
//   `{{(index .NetworkSettings.Networks "n").IPAddress}}`, and its neighbours;
// - `compose kill` while one of the project's containers is not running:
//   the running ones are killed and the command succeeds.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { berthCli, clientTargets, compose, dockerCli, sameOnBoth, scratchDir, type RunResult, type Target } from './harness.ts';

clientTargets();

const brief = (r: RunResult) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr });

/** The docker CLI v28 against the oracle, the berth CLI against berthd. */
function cli(t: Target, args: string[]): Promise<RunResult> {
  return t.kind === 'dockerd' ? dockerCli(t, args, { timeoutMs: 60_000 }) : berthCli(t, args, { timeoutMs: 60_000 });
}

/** A step that must succeed on both (a comparison of two identical failures proves nothing). */
function ok(r: RunResult, what: string): RunResult {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${r.stderr}`);
  return r;
}

sameOnBoth('berth CLI vs docker CLI: --net and --net-alias are --network and --network-alias', async (t) => {
  ok(await cli(t, ['network', 'create', 'cli-n']), 'network create');
  const out: Record<string, unknown> = {};
  out['run -d --net --net-alias'] = (await cli(t, ['run', '-d', '--name', 'cli-a', '--net', 'cli-n', '--net-alias', 'al', '--net-alias=al2', 'busybox', 'sleep', '300'])).code;
  out['create --net='] = (await cli(t, ['create', '--name', 'cli-b', '--net=cli-n', 'busybox'])).code;
  out['inspect a'] = brief(await cli(t, ['inspect', '-f', '{{.HostConfig.NetworkMode}} {{json (index .NetworkSettings.Networks "cli-n").Aliases}}', 'cli-a']));
  out['inspect b'] = brief(await cli(t, ['inspect', '-f', '{{.HostConfig.NetworkMode}} {{len .NetworkSettings.Networks}}', 'cli-b']));
  // The whole answer: the embedded DNS answers as libnetwork's resolver (not authoritative, no AAAA record).
  // nslookup asks for A and AAAA at once and prints the replies as they come: its blocks are compared as a set.
  const looked = await cli(t, ['run', '--rm', '--net', 'cli-n', 'busybox', 'nslookup', 'al2']);
  out['the alias resolves'] = { code: looked.code, blocks: looked.stdout.split('\n\n').sort(), stderr: looked.stderr };
  out['run --net none'] = brief(await cli(t, ['run', '--rm', '--net', 'none', 'busybox', 'ls', '/sys/class/net']));
  out['run --net host'] = brief(await cli(t, ['run', '--rm', '--net=host', 'busybox', 'sh', '-c', 'test -e /sys/class/net/lo && echo host']));
  out['run --net to a missing network'] = brief(await cli(t, ['run', '--rm', '--net', 'cli-nosuch', 'busybox', 'true']));
  // --network repeats (the flag is a list in the docker CLI, --net adds to it): the CLI's own checks.
  out['--net and --network, user-defined and none'] = brief(await cli(t, ['create', '--net', 'cli-n', '--network', 'none', 'busybox']));
  out['--net and --network, the same network'] = brief(await cli(t, ['create', '--net', 'cli-n', '--network=cli-n', 'busybox']));
  out['csv form'] = (await cli(t, ['run', '--rm', '--net', 'name=CLI-N,alias=Csv', 'busybox', 'nslookup', 'csv'])).code;
  out['csv form beside --net-alias'] = brief(await cli(t, ['create', '--net', 'name=cli-n,alias=x', '--net-alias', 'y', 'busybox']));
  out['csv form with an unknown key'] = brief(await cli(t, ['create', '--net', 'name=cli-n,colour=red', 'busybox']));
  ok(await cli(t, ['network', 'create', 'cli-m']), 'network create');
  // At API 1.41 (both engines here) one endpoint only: the engine refuses two.
  const two = await cli(t, ['create', '--name', 'cli-two', '--net', 'cli-n', '--net', 'cli-m', 'busybox']);
  out['two networks at API 1.41'] = { code: two.code, stderr: two.stderr.replace(/cli-m, cli-n|cli-n, cli-m/, '<both>') };
  return out;
}, {
  expect: (r) => {
    assert.equal(r['run -d --net --net-alias'], 0);
    assert.equal(r['create --net='], 0);
    assert.match(r['inspect a'].stdout, /^cli-n \[.*"al".*"al2".*\]\n$/);
    assert.equal(r['the alias resolves'].code, 0);
    assert.equal(r['run --net none'].stdout, 'lo\n');
    assert.equal(r['csv form'], 0);
    assert.equal(r['--net and --network, user-defined and none'].code, 125);
  },
});

sameOnBoth('berth CLI vs docker CLI: inspect -f with (index … "n").IPAddress, with, range and variables', async (t) => {
  ok(await cli(t, ['network', 'create', 'cli-n']), 'network create');
  ok(await cli(t, ['run', '-d', '--name', 'cli-a', '--network', 'cli-n', 'busybox', 'sleep', '300']), 'run');
  const f = async (format: string) => brief(await cli(t, ['inspect', '-f', format, 'cli-a']));
  return {
    'index then field': await f('{{(index .NetworkSettings.Networks "cli-n").IPAddress}}'),
    'index then two fields': await f('{{(index .NetworkSettings.Networks "cli-n").IPPrefixLen}} {{(index .NetworkSettings.Networks "cli-n").MacAddress}}'),
    'with index': await f('{{with index .NetworkSettings.Networks "cli-n"}}{{.IPAddress}}/{{.IPPrefixLen}}{{end}}'),
    'with a missing key': await f('{{with index .NetworkSettings.Networks "nope"}}yes{{else}}none{{end}}'),
    'range with variables': await f('{{range $name, $net := .NetworkSettings.Networks}}{{$name}}={{$net.IPAddress}};{{end}}'),
    'variable then field': await f('{{$n := index .NetworkSettings.Networks "cli-n"}}{{$n.Gateway}}'),
    'json of the pipeline': await f('{{json (index .NetworkSettings.Networks "cli-n").Aliases}}'),
  };
}, {
  expect: (r) => {
    assert.equal(r['index then field'].stdout, '<ip>\n');
    assert.equal(r['with a missing key'].stdout, 'none\n');
  },
});

const composeFile = `services:
  a:
    image: busybox
    command: ["sleep", "300"]
  b:
    image: busybox
    command: ["sleep", "300"]
`;

/** Compose's Go binary against the oracle, `berth compose` against berthd, in `cwd`. */
function composeOn(t: Target, cwd: string, args: string[]): Promise<RunResult> {
  const argv = ['-p', 'clikill', ...args];
  return t.kind === 'dockerd' ? compose(t, argv, { flavor: 'v2', cwd, timeoutMs: 120_000 }) : berthCli(t, ['compose', ...argv], { cwd, timeoutMs: 120_000 });
}

const cwd = scratchDir();
writeFileSync(join(cwd, 'docker-compose.yml'), composeFile);

sameOnBoth('berth compose vs docker compose: kill with one of the project\'s containers stopped kills the running ones and succeeds', async (t) => {
  const states = async () => (await cli(t, ['ps', '-a', '--filter', 'label=com.docker.compose.project=clikill', '--format', '{{.Label "com.docker.compose.service"}} {{.State}}'])).stdout.split('\n').filter(Boolean).sort();
  ok(await composeOn(t, cwd, ['up', '-d']), 'compose up');
  ok(await composeOn(t, cwd, ['stop', '-t', '1', 'b']), 'compose stop b');
  const kill = await composeOn(t, cwd, ['kill']);
  const afterKill = await states();
  const again = await composeOn(t, cwd, ['kill', 'b']);
  const allStopped = await composeOn(t, cwd, ['kill']);
  const down = await composeOn(t, cwd, ['down', '-t', '1']);
  return {
    'kill with b stopped': kill.code,
    'states after kill': afterKill,
    'kill of the stopped service': { code: again.code, stderr: again.stderr },
    'kill with all stopped': { code: allStopped.code, stderr: allStopped.stderr },
    'down': down.code,
  };
}, {
  timeout: 300_000,
  expect: (r) => {
    assert.equal(r['kill with b stopped'], 0);
    assert.deepEqual(r['states after kill'], ['a exited', 'b exited']);
  },
});
