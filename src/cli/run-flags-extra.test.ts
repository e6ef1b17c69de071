// Unit tests for docker's hidden aliases and the extra run/create flags: each alias
// lands in the same option as its visible name, and the flags build docker's body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from 'commander';
import { buildProgram } from './main.ts';
import { buildCreateBody, type RunFlags } from './run-flags.ts';
import { parseGpus } from './run-flags-extra.ts';

function parse(cmd: 'run' | 'create', argv: string[]): Promise<Record<string, unknown>> {
  const program = buildProgram([cmd, ...argv]);
  const c = program.commands.find((x: Command) => x.name() === cmd) as Command;
  return new Promise((resolve, reject) => {
    c.action((_image: string, _command: string[], opts: Record<string, unknown>) => resolve(opts));
    program.parseAsync([cmd, ...argv], { from: 'user' }).catch(reject);
  });
}

const pairs: [string, string, string, unknown][] = [
  // [alias, value, option it fills, expected value]
  ['--net', 'n1', 'network', ['n1']],
  ['--net-alias', 'a1', 'networkAlias', ['a1']],
  ['--dns-opt', 'ndots:2', 'dnsOption', ['ndots:2']],
  ['-c', '512', 'cpuShares', '512'],
];

for (const cmd of ['run', 'create'] as const) {
  for (const [alias, value, key, want] of pairs) {
    test(`${cmd} ${alias} fills the same option as its docker name (${key})`, async () => {
      const opts = await parse(cmd, [alias, value, 'busybox']);
      assert.deepEqual(opts[key], want);
    });
  }
}

test('an alias and its visible name add up in a list option, in command-line order', async () => {
  const opts = await parse('run', ['--net-alias', 'a', '--network-alias', 'b', '--net-alias', 'c', '--dns-opt', 'x', '--dns-option', 'y', 'busybox']);
  assert.deepEqual(opts['networkAlias'], ['a', 'b', 'c']);
  assert.deepEqual(opts['dnsOption'], ['x', 'y']);
  const nets = await parse('create', ['--net', 'a', '--network', 'b', '--net=c', 'busybox']);
  assert.deepEqual(nets['network'], ['a', 'b', 'c']);
  assert.deepEqual(nets['networkFlag'], ['--net', '--network', '--net']);
});

test('the namespace, cgroup and link flags become docker\'s HostConfig fields', () => {
  const flags: RunFlags = {
    pid: 'host', ipc: 'shareable', uts: 'host', cgroupns: 'private', link: ['db:database'], cpusetMems: '0', cpuPeriod: '100000', cpuQuota: '50000',
    memorySwappiness: '10', oomScoreAdj: '-500', blkioWeight: '300', blkioWeightDevice: ['/dev/sda:200'], deviceReadBps: ['/dev/sda:1mb'],
    deviceWriteIops: ['/dev/sda:100'], deviceCgroupRule: ['c 1:3 mr'], storageOpt: ['size=1G'], annotation: ['a=b'], volumeDriver: 'local', kernelMemory: '4m',
  };
  const h = buildCreateBody('busybox', [], flags, () => '').HostConfig as Record<string, unknown>;
  assert.equal(h['PidMode'], 'host');
  assert.equal(h['IpcMode'], 'shareable');
  assert.equal(h['UTSMode'], 'host');
  assert.equal(h['CgroupnsMode'], 'private');
  assert.deepEqual(h['Links'], ['db:database']);
  assert.equal(h['CpusetMems'], '0');
  assert.equal(h['CpuQuota'], 50000);
  assert.equal(h['MemorySwappiness'], 10);
  assert.equal(h['OomScoreAdj'], -500);
  assert.equal(h['BlkioWeight'], 300);
  assert.deepEqual(h['BlkioWeightDevice'], [{ Path: '/dev/sda', Weight: 200 }]);
  assert.deepEqual(h['BlkioDeviceReadBps'], [{ Path: '/dev/sda', Rate: 1024 * 1024 }]);
  assert.deepEqual(h['BlkioDeviceWriteIOps'], [{ Path: '/dev/sda', Rate: 100 }]);
  assert.deepEqual(h['DeviceCgroupRules'], ['c 1:3 mr']);
  assert.deepEqual(h['StorageOpt'], { size: '1G' });
  assert.deepEqual(h['Annotations'], { a: 'b' });
  assert.equal(h['VolumeDriver'], 'local');
  assert.equal(h['KernelMemory'], 4 * 1024 * 1024);
});

test('-a picks the attached streams, --label-file labels give way to -l, --ip6 and --link-local-ip go to the endpoint', () => {
  const body = buildCreateBody('busybox', [], { attach: ['STDOUT'], labelFile: ['f'], label: ['b=flag'], network: ['n'], ip6: 'fd00::5', linkLocalIp: ['169.254.1.1'] }, () => 'a=1\n# c\nb=file\n');
  assert.deepEqual([body.AttachStdin, body.AttachStdout, body.AttachStderr], [false, true, false]);
  assert.deepEqual(body.Labels, { a: '1', b: 'flag' });
  assert.deepEqual(body.NetworkingConfig, { EndpointsConfig: { n: { IPAMConfig: { IPv6Address: 'fd00::5', LinkLocalIPs: ['169.254.1.1'] } } } });
});

test('bad values fail with the docker CLI\'s messages', () => {
  const fails = (f: RunFlags, message: RegExp) => assert.throws(() => buildCreateBody('busybox', [], f, () => ''), { message });
  fails({ pid: 'bogus' }, /^--pid: invalid PID mode$/);
  fails({ memorySwappiness: '101' }, /invalid value: 101. Valid memory swappiness range is 0-100/);
  fails({ attach: ['stdall'] }, /valid streams are STDIN, STDOUT and STDERR/);
  fails({ pull: 'sometimes' }, /invalid pull option: 'sometimes'/);
  fails({ blkioWeightDevice: ['sda:200'] }, /bad format for device path/);
});

test('--gpus takes all, a count, and key=value lists', () => {
  assert.equal(parseGpus('all')['Count'], -1);
  assert.equal(parseGpus('2')['Count'], 2);
  assert.deepEqual(parseGpus('"device=0,1"')['DeviceIDs'], ['0', '1']);
  assert.deepEqual(parseGpus('count=1,capabilities=utility')['Capabilities'], [['gpu', 'utility']]);
});
