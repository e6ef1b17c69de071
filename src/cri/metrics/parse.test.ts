import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hugetlbPageSize, parseBlkioV1, parseFlatKeyed, parseIoStatV2, parseLimits, parseMountinfo, parseNetDev, parsePressure, parseProcs, parseSingle, parseStatusThreads, rlimInfinity } from './parse.ts';

test('parseSingle reads numbers, "max" and nothing', () => {
  assert.equal(parseSingle('9223372036854771712\n'), 9223372036854771712n);
  assert.equal(parseSingle('-1\n'), -1n);
  assert.equal(parseSingle('max\n'), 'max');
  assert.equal(parseSingle(''), undefined);
  assert.equal(parseSingle(undefined), undefined);
  assert.equal(parseSingle('12 34'), undefined);
});

test('parseFlatKeyed reads a v1 memory.stat and a v1 memory.oom_control', () => {
  const stat = 'cache 8192\nrss 53248\nmapped_file 4096\npgfault 1233\ntotal_rss 53248\ntotal_inactive_file 4096\nhierarchical_memory_limit 9223372036854771712\n';
  const m = parseFlatKeyed(stat);
  assert.equal(m.get('rss'), 53248n);
  assert.equal(m.get('total_inactive_file'), 4096n);
  assert.equal(m.get('hierarchical_memory_limit'), 9223372036854771712n);
  assert.equal(parseFlatKeyed('oom_kill_disable 0\nunder_oom 0\noom_kill 3\n').get('oom_kill'), 3n);
});

test('parseFlatKeyed reads a v2 cpu.stat and memory.events', () => {
  const cpu = parseFlatKeyed('usage_usec 2501234\nuser_usec 2000000\nsystem_usec 501234\nnr_periods 40\nnr_throttled 7\nthrottled_usec 350000\n');
  assert.deepEqual([cpu.get('usage_usec'), cpu.get('nr_throttled'), cpu.get('throttled_usec')], [2501234n, 7n, 350000n]);
  const ev = parseFlatKeyed('low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n');
  assert.equal(ev.get('max'), 12n);
  assert.equal(ev.get('oom_kill'), 1n);
});

test('parsePressure reads some and full totals; full may be missing (cpu on old kernels)', () => {
  const p = parsePressure('some avg10=0.00 avg60=0.00 avg300=0.00 total=6549\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=4697\n');
  assert.deepEqual(p, { some: 6549n, full: 4697n });
  assert.deepEqual(parsePressure('some avg10=1.00 avg60=0.50 avg300=0.10 total=12\n'), { some: 12n, full: undefined });
  assert.deepEqual(parsePressure(undefined), { some: undefined, full: undefined });
});

test('parseBlkioV1 reads device lines and drops Total', () => {
  const e = parseBlkioV1('253:0 Read 4096\n253:0 Write 8192\n253:0 Sync 12288\n253:0 Async 0\n253:0 Discard 0\n253:0 Total 12288\nTotal 12288\n');
  assert.equal(e.length, 6);
  assert.deepEqual(e[1], { major: 253, minor: 0, op: 'Write', value: 8192n });
  assert.deepEqual(parseBlkioV1('Total 0\n'), []);
});

test('parseIoStatV2 reads io.stat fields per device', () => {
  const e = parseIoStatV2('8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0\n253:0 rbytes=10 wbytes=20 rios=1 wios=2\n');
  assert.equal(e.length, 2);
  assert.equal(e[0]!.major, 8);
  assert.equal(e[0]!.minor, 16);
  assert.equal(e[0]!.fields.get('wbytes'), 314773504n);
  assert.equal(e[1]!.fields.get('wios'), 2n);
});

test('parseNetDev reads /proc/net/dev, leaving loopback out', () => {
  const text = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:     560       8    0    0    0     0          0         0      560       8    0    0    0     0       0          0
  eth0:    1962      21    1    2    0     0          0         0     1066      13    3    4    0     0       0          0
`;
  const m = parseNetDev(text);
  assert.deepEqual([...m.keys()], ['eth0']);
  assert.deepEqual(m.get('eth0'), { rxBytes: 1962n, rxPackets: 21n, rxErrors: 1n, rxDropped: 2n, txBytes: 1066n, txPackets: 13n, txErrors: 3n, txDropped: 4n });
});

test('parseLimits names limits as cAdvisor does; unlimited is RLIM_INFINITY', () => {
  const text = `Limit                     Soft Limit           Hard Limit           Units     
Max cpu time              unlimited            unlimited            seconds   
Max stack size            8388608              unlimited            bytes     
Max open files            1024                 1048576              files     
Max nice priority         0                    0                    
`;
  const m = parseLimits(text);
  assert.equal(m.get('max_open_files'), 1024n);
  assert.equal(m.get('max_stack_size'), 8388608n);
  assert.equal(m.get('max_cpu_time'), rlimInfinity);
  assert.equal(m.get('max_nice_priority'), 0n);
  assert.equal(m.size, 4);
});

test('parseStatusThreads, parseProcs', () => {
  assert.equal(parseStatusThreads('Name:\tsh\nState:\tS (sleeping)\nThreads:\t3\nSigQ:\t0/96367\n'), 3);
  assert.equal(parseStatusThreads(''), undefined);
  assert.deepEqual(parseProcs('26871\n26900\n\n'), [26871, 26900]);
});

test('parseMountinfo decodes octal escapes', () => {
  const m = parseMountinfo('29 1 253:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n40 29 0:45 / /var/lib/my\\040dir rw - overlay overlay rw,lowerdir=/a\n');
  assert.deepEqual(m[0], { major: 253, minor: 1, mountPoint: '/', fsType: 'ext4', source: '/dev/vda1' });
  assert.equal(m[1]!.mountPoint, '/var/lib/my dir');
});

test('hugetlbPageSize', () => {
  assert.equal(hugetlbPageSize('hugetlb.2MB.usage_in_bytes', 'usage_in_bytes'), '2MB');
  assert.equal(hugetlbPageSize('hugetlb.2MB.max_usage_in_bytes', 'usage_in_bytes'), undefined);
  assert.equal(hugetlbPageSize('hugetlb.1GB.current', 'current'), '1GB');
  assert.equal(hugetlbPageSize('memory.current', 'current'), undefined);
});
