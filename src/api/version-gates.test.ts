// Fields that later API versions added or dropped are shown by the request's
// version, as a dockerd of that version answers: the oracle of the client tier
// is dockerd 20.10 (API 1.41), so the newer sides are checked here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container, ContainerSpec } from '../core/types.ts';
import type { Engine, SystemInfo } from '../engine/index.ts';
import { log, setLogSink } from '../lib/logger.ts';
import { inspectJson } from './container-json.ts';
import { specFromCreateBody } from './container-spec.ts';
import { createApiServer, type ApiServer } from './server.ts';

const id = 'a'.repeat(64);

function container(spec: ContainerSpec, over: Partial<Container> = {}): Container {
  return {
    id,
    name: 'w',
    created: '2024-01-01T00:00:00Z',
    imageId: `sha256:${'b'.repeat(64)}`,
    spec,
    path: 'true',
    args: [],
    env: [],
    hostname: id.slice(0, 12),
    state: { status: 'created', pid: 0, exitCode: 0, oomKilled: false, error: '', startedAt: '0001-01-01T00:00:00Z', finishedAt: '0001-01-01T00:00:00Z' },
    restartCount: 0,
    runtime: 'runc',
    logPath: '',
    hostnamePath: '',
    hostsPath: '',
    resolvConfPath: '',
    ...over,
  };
}

type Json = Record<string, unknown>;
const hostConfig = (c: Container, version: string) => inspectJson(c, { version }).HostConfig as Json;
const endpoint = (c: Container, version: string) => ((inspectJson(c, { version }).NetworkSettings as Json).Networks as Record<string, Json>)['bridge']!;

test('KernelMemory and KernelMemoryTCP are shown below 1.42, and from 1.42 only when set', () => {
  const plain = container(specFromCreateBody({ Image: 'busybox', HostConfig: {} }));
  assert.equal(hostConfig(plain, '1.41')['KernelMemory'], 0);
  assert.equal(hostConfig(plain, '1.41')['KernelMemoryTCP'], 0);
  assert.ok(!('KernelMemory' in hostConfig(plain, '1.42')));
  assert.ok(!('KernelMemoryTCP' in hostConfig(plain, '1.47')));
  const set = container(specFromCreateBody({ Image: 'busybox', HostConfig: { KernelMemory: 8388608 } }));
  assert.equal(hostConfig(set, '1.42')['KernelMemory'], 8388608);
});

test('DNSNames appears from 1.44 and GwPriority not before 1.48', () => {
  const c = container(specFromCreateBody({ Image: 'busybox', HostConfig: {} }));
  assert.ok(!('DNSNames' in endpoint(c, '1.41')));
  assert.equal(endpoint(c, '1.44')['DNSNames'], null);
  assert.ok(!('GwPriority' in endpoint(c, '1.47')));
});

test('empty HostConfig lists are null when left out and [] when sent empty, keys in any case as Go decodes them', () => {
  const left = hostConfig(container(specFromCreateBody({ Image: 'busybox', HostConfig: {} })), '1.41');
  for (const k of ['Dns', 'DnsOptions', 'DnsSearch', 'Devices', 'Ulimits', 'PortBindings', 'BlkioWeightDevice', 'BlkioDeviceReadBps']) assert.equal(left[k], null, k);
  const sent = hostConfig(container(specFromCreateBody({ Image: 'busybox', HostConfig: { Dns: [], Devices: [], PortBindings: {}, BlkioWeightDevice: [], CPURealtimePeriod: 1000 } })), '1.41');
  assert.deepEqual(sent['Dns'], []);
  assert.deepEqual(sent['Devices'], []);
  assert.deepEqual(sent['PortBindings'], {});
  assert.deepEqual(sent['BlkioWeightDevice'], []);
  assert.equal(sent['CpuRealtimePeriod'], 1000);
});

test('Runtime is shown once dockerd would have recorded it: with a HostConfig at create, or after the first start', () => {
  const bare = specFromCreateBody({ Image: 'busybox' });
  assert.ok(!('Runtime' in hostConfig(container(bare), '1.41')));
  assert.equal(hostConfig(container(bare, { state: { ...container(bare).state, startedAt: '2024-01-01T00:00:01Z' } }), '1.41')['Runtime'], 'runc');
  assert.equal(hostConfig(container(specFromCreateBody({ Image: 'busybox', HostConfig: {} })), '1.41')['Runtime'], 'runc');
  assert.deepEqual(hostConfig(container(bare), '1.41')['RestartPolicy'], { Name: '', MaximumRetryCount: 0 });
  assert.deepEqual(hostConfig(container(specFromCreateBody({ Image: 'busybox', HostConfig: {} })), '1.41')['RestartPolicy'], { Name: '', MaximumRetryCount: 0 });
  assert.deepEqual(hostConfig(container(specFromCreateBody({ Image: 'busybox', HostConfig: { RestartPolicy: { Name: 'no' } } })), '1.41')['RestartPolicy'], { Name: 'no', MaximumRetryCount: 0 });
});

test('an unknown cgroup namespace mode is refused as dockerd does', () => {
  assert.throws(() => specFromCreateBody({ Image: 'busybox', HostConfig: { CgroupnsMode: 'bogus' } }), /invalid cgroup namespace mode: bogus/);
  assert.equal(specFromCreateBody({ Image: 'busybox', HostConfig: { CgroupnsMode: 'private' } }).host.cgroupnsMode, 'private');
});

const info: SystemInfo = {
  id: 'x', name: 'h', serverVersion: '0.1.0', apiVersion: '1.47', minApiVersion: '1.24',
  containers: { total: 0, running: 0, paused: 0, stopped: 0 }, images: 0, dataRoot: '/d', execRoot: '/e', storageDriver: 'overlay2',
  cgroupVersion: '1', cgroupDriver: 'cgroupfs', runtimes: [{ name: 'runc', path: '/usr/bin/runc' }], defaultRuntime: 'runc', kernelVersion: '6',
  operatingSystem: 'Linux', osVersion: '12', swapLimit: true, bridgeNfIptables: false, bridgeNfIp6tables: true, ipv4Forwarding: false, backingFilesystem: 'xfs', registryMirrors: ['https://m.example/'], osType: 'linux', architecture: 'x86_64', ncpu: 1, memTotal: 1, securityOptions: [], initBinary: 'tini',
  systemTime: '2024-01-01T00:00:00Z', warnings: [], components: [{ name: 'runc', version: '1.1.5', commit: 'abc' }],
};

let dir: string;
let api: ApiServer;

before(async () => {
  setLogSink(() => undefined);
  dir = await mkdtemp(join(tmpdir(), 'berth-gates-'));
  api = createApiServer({ engine: { system: { info: async () => info } } as unknown as Engine, log });
  await api.listenUnix(join(dir, 'api.sock'));
});

after(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

function getInfo(version: string): Promise<Json> {
  return new Promise((resolve, reject) => {
    request({ socketPath: join(dir, 'api.sock'), path: `/v${version}/info` }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve(JSON.parse(body) as Json));
    }).on('error', reject).end();
  });
}

test('GET /info shows CDISpecDirs from 1.44, Containerd from 1.46, KernelMemory below 1.42, and Expected in the commits', async () => {
  const [v41, v44, v46] = await Promise.all([getInfo('1.41'), getInfo('1.44'), getInfo('1.46')]);
  assert.ok(!('CDISpecDirs' in v41) && !('Containerd' in v41));
  assert.deepEqual(v44['CDISpecDirs'], []);
  assert.ok(!('Containerd' in v44));
  assert.equal(v46['Containerd'], null);
  assert.equal(v41['KernelMemory'], false);
  assert.ok(!('KernelMemory' in v44));
  assert.deepEqual(v41['RuncCommit'], { ID: 'abc', Expected: 'abc' });
  assert.deepEqual((v41['RegistryConfig'] as Json)['Mirrors'], ['https://m.example/']);
});

test('GET /info reports the engine\'s host facts, not fixed values (backing fs, forwarding, bridge-nf, mirrors)', async () => {
  const i = await getInfo('1.47');
  assert.deepEqual((i['DriverStatus'] as string[][])[0], ['Backing Filesystem', 'xfs']);
  assert.equal(i['IPv4Forwarding'], false);
  assert.equal(i['BridgeNfIptables'], false);
  const reg = i['RegistryConfig'] as Json;
  assert.deepEqual(reg['Mirrors'], ['https://m.example/']);
  assert.deepEqual(((reg['IndexConfigs'] as Json)['docker.io'] as Json)['Mirrors'], ['https://m.example/']);
});
