// Runs docker-py's own integration suite (a copy fetched beforehand, e.g. by
// scripts/fetch-dockerpy-suite; this script fetches nothing and holds none of it) against a private dockerd 20.10
// (the oracle: own roots, socket and network namespace, as test/clients uses)
// and against a private berthd, then prints each test's outcome on both and the
// tests that pass on dockerd but not on berthd.
//
//   node --import tsx scripts/run-dockerpy-suite.ts <suite-dir> [options] [-- pytest args]
//
// <suite-dir> holds `tests/integration/` (and `tests/helpers.py`) as in
// docker-py's repository; its conftest must not pull (no Docker Hub here).
// Options:
//   --out <dir>        where the JUnit XML of each run and the table go (default <suite-dir>/results)
//   --only <target>    run on dockerd or berthd only; the other's last XML in --out is reused
//   --timeout <s>      pytest-timeout per test (default 120)
//   --api <version>    DOCKER_TEST_API_VERSION, the version the suite's clients use (default 1.41, the oracle's newest;
//                      `auto`: unset, so that they negotiate the daemon's newest)
//   --host unix://<socket>  run on the berthd already listening there (implies --only berthd): it is
//                      neither started nor stopped, and keeps what the suite leaves (bench/rss measures
//                      such a berthd's memory after the suite)
// The PyPI docker-py venv (BERTH_TEST_VENV, default /opt/berth-test/venv) needs
// pytest, pytest-timeout, six, paramiko and websocket-client (scripts/setup-clients installs them). Tests that would reach a registry or
// a URL on the internet are deselected on both (this machine has no network).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { run, startPrivateDockerd, type PrivateDockerd } from '../test/integration/acceptance-support.ts';
import { ensureBusybox, httpRequest, startDaemon, type Daemon } from '../test/integration/harness.ts';

/** The oracle's (dockerd 20.10's) newest API version: the default for the suite's clients. */
const oracleApiVersion = '1.41';
/** Names the suite's files use for their test image besides TEST_IMG; busybox here. */
const imageNames = [['busybox', 'buildroot-2014.02'], ['alpine', 'latest']] as const;
/**
 * TEST_IMG (alpine:3.10 upstream): busybox with what the suite expects of that
 * alpine (a `postgres` user, a /var/opt directory), built by each daemon.
 */
const testImage = ['FROM busybox:latest', "RUN mkdir -p /var/opt && echo 'postgres:x:70:70::/var/lib/postgresql:/bin/sh' >> /etc/passwd && echo 'postgres:x:70:' >> /etc/group"].join('\n');
/** Tests that pull from Docker Hub or fetch a URL on the internet: never run here. */
const needsInternet = [
  'api_image_test.py::PullImageTest',
  'api_image_test.py::ImportImageTest::test_get_load_image',
  'api_image_test.py::PruneImagesTest::test_prune_images',
  'api_image_test.py::InspectDistributionTest::test_inspect_distribution',
  'api_build_test.py::BuildTest::test_build_streaming',
  'models_images_test.py::ImageCollectionTest::test_list',
  'models_images_test.py::ImageCollectionTest::test_list_with_repository',
  'models_images_test.py::ImageCollectionTest::test_pull',
  'models_images_test.py::ImageCollectionTest::test_pull_with_tag',
  'models_images_test.py::ImageCollectionTest::test_pull_with_sha',
  'models_images_test.py::ImageCollectionTest::test_pull_multiple',
  'models_images_test.py::ImageTest::test_tag_and_remove',
  'models_containers_test.py::ContainerCollectionTest::test_run_with_image_that_does_not_exist',
];

type Kind = 'dockerd' | 'berthd';
type Outcome = 'passed' | 'failed' | 'error' | 'skipped' | 'xfailed' | '-';

function parseArgs(argv: string[]) {
  const dash = argv.indexOf('--');
  const own = dash === -1 ? argv : argv.slice(0, dash);
  const pytestArgs = dash === -1 ? [] : argv.slice(dash + 1);
  const suite = own.find((a, i) => !a.startsWith('--') && !own[i - 1]?.startsWith('--'));
  if (!suite || !existsSync(join(suite, 'tests', 'integration'))) {
    throw new Error('usage: run-dockerpy-suite.ts <suite-dir with tests/integration> [--out dir] [--only dockerd|berthd] [--host unix://socket] [--timeout s] [--api v] [-- pytest args]');
  }
  const opt = (name: string) => { const i = own.indexOf(name); return i === -1 ? undefined : own[i + 1]; };
  const host = opt('--host');
  if (host !== undefined && !host.startsWith('unix://')) throw new Error('--host takes unix://<socket>');
  const only = host !== undefined ? 'berthd' : (opt('--only') as Kind | undefined);
  if (only && only !== 'dockerd' && only !== 'berthd') throw new Error('--only takes dockerd or berthd');
  return { suite: resolve(suite), out: resolve(opt('--out') ?? join(suite, 'results')), only, host: host?.slice('unix://'.length), timeout: opt('--timeout') ?? '120', api: opt('--api') ?? oracleApiVersion, pytestArgs };
}

function firewallLines(): string[] {
  return spawnSync('iptables-save', { encoding: 'utf8' }).stdout.split('\n').filter((l) => /DOCKER|docker0/.test(l));
}

async function tagImages(socket: string): Promise<void> {
  for (const [repo, tag] of imageNames) {
    const r = await httpRequest(socket, 'POST', `/v${oracleApiVersion}/images/busybox:latest/tag?repo=${repo}&tag=${tag}`);
    if (r.status !== 201) throw new Error(`tagging busybox:latest as ${repo}:${tag} failed: ${r.status} ${r.body.toString()}`);
  }
  const env = { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_API_VERSION: oracleApiVersion, DOCKER_BUILDKIT: '0' };
  const built = await run('docker', ['build', '-q', '-t', 'alpine:3.10', '-'], { env, input: testImage, timeoutMs: 120_000 });
  if (built.code !== 0) throw new Error(`building alpine:3.10 failed: ${built.stderr}`);
}

function runPytest(kind: Kind, socket: string, o: ReturnType<typeof parseArgs>): Promise<number> {
  const venv = process.env['BERTH_TEST_VENV'] ?? '/opt/berth-test/venv';
  const config = mkdtempSync('/tmp/berth-dockerpy-config-');
  // With a config file there, docker-py keeps its context store beside it (else in the working directory, across runs).
  writeFileSync(join(config, 'config.json'), '{}\n');
  const xml = join(o.out, `${kind}.xml`);
  const args = ['-m', 'pytest', '-p', 'no:cacheprovider', '-q', '-rA', `--timeout=${o.timeout}`, `--junitxml=${xml}`,
    ...needsInternet.map((id) => `--deselect=tests/integration/${id}`), ...(o.pytestArgs.length ? o.pytestArgs : ['tests/integration'])];
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_TEST_API_VERSION: o.api, DOCKER_CONFIG: config };
  // `--api auto`: the suite's own default (its clients negotiate the daemon's newest version).
  if (o.api === 'auto') delete env['DOCKER_TEST_API_VERSION'];
  delete env['DOCKER_API_VERSION'];
  delete env['DOCKER_TLS_VERIFY'];
  delete env['DOCKER_CERT_PATH'];
  process.stderr.write(`\n== docker-py suite against ${kind} (${socket}) at API ${o.api}\n`);
  return new Promise((res) => {
    const child = spawn(join(venv, 'bin', 'python'), args, { cwd: o.suite, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let log = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { log += d; process.stderr.write(d); });
    child.on('close', (code) => {
      writeFileSync(join(o.out, `${kind}.log`), log);
      rmSync(config, { recursive: true, force: true });
      res(code ?? 1);
    });
  });
}

/** Outcome per test id (file::Class::test) from pytest's JUnit XML. */
export function junitOutcomes(xml: string): Map<string, Outcome> {
  const outcomes = new Map<string, Outcome>();
  const re = /<testcase classname="([^"]*)" name="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const m of xml.matchAll(re)) {
    const [, classname = '', name = '', , body = ''] = m;
    const parts = classname.split('.');
    const cls = parts.pop() ?? '';
    const id = `${parts.slice(2).join('/')}.py::${cls}::${name}`;
    let outcome: Outcome = 'passed';
    if (/<failure/.test(body)) outcome = 'failed';
    else if (/<error/.test(body)) outcome = 'error';
    else if (/<skipped[^>]*type="pytest.xfail"/.test(body)) outcome = 'xfailed';
    else if (/<skipped/.test(body)) outcome = 'skipped';
    outcomes.set(id, outcome);
  }
  return outcomes;
}

function report(out: string): string {
  const read = (k: Kind) => (existsSync(join(out, `${k}.xml`)) ? junitOutcomes(readFileSync(join(out, `${k}.xml`), 'utf8')) : new Map<string, Outcome>());
  const d = read('dockerd');
  const b = read('berthd');
  const ids = [...new Set([...d.keys(), ...b.keys()])].sort();
  const lines = ['| test | dockerd | berthd |', '| --- | --- | --- |'];
  for (const id of ids) lines.push(`| ${id} | ${d.get(id) ?? '-'} | ${b.get(id) ?? '-'} |`);
  const count = (m: Map<string, Outcome>) => {
    const c: Record<string, number> = {};
    for (const v of m.values()) c[v] = (c[v] ?? 0) + 1;
    return Object.entries(c).map(([k, v]) => `${v} ${k}`).join(', ');
  };
  const berthOnly = ids.filter((id) => d.get(id) === 'passed' && b.get(id) !== 'passed');
  const dockerdOnly = ids.filter((id) => b.get(id) === 'passed' && d.get(id) !== 'passed');
  lines.push('', `dockerd: ${count(d)}`, `berthd: ${count(b)}`, '', `passing on dockerd, not on berthd (${berthOnly.length}):`, ...berthOnly.map((id) => `  ${id} (${b.get(id) ?? '-'})`));
  lines.push('', `passing on berthd, not on dockerd (${dockerdOnly.length}):`, ...dockerdOnly.map((id) => `  ${id} (${d.get(id) ?? '-'})`));
  return lines.join('\n');
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  mkdirSync(o.out, { recursive: true });
  const before = firewallLines();
  let oracle: PrivateDockerd | undefined;
  let daemon: Daemon | undefined;
  try {
    if (o.only !== 'berthd') {
      oracle = await startPrivateDockerd({ netns: true });
      await ensureBusybox(oracle);
      await tagImages(oracle.socket);
      await runPytest('dockerd', oracle.socket, o);
      const netns = oracle.netns;
      await oracle.stop();
      oracle = undefined;
      if (netns && spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.includes(netns)) throw new Error(`the oracle's network namespace ${netns} outlived it`);
    }
    if (o.only !== 'dockerd') {
      if (o.host === undefined) daemon = await startDaemon();
      const socket = o.host ?? daemon!.socket;
      await ensureBusybox({ socket });
      await tagImages(socket);
      await runPytest('berthd', socket, o);
    }
  } finally {
    await Promise.allSettled([oracle?.stop(), daemon?.stop()]);
    const added = firewallLines().filter((l) => !before.includes(l));
    if (added.length > 0) process.stderr.write(`the host firewall gained dockerd's lines: ${added.join(' / ')}\n`);
  }
  const table = report(o.out);
  writeFileSync(join(o.out, 'table.md'), `${table}\n`);
  process.stdout.write(`${table}\n`);
}

await main();
