// Runs last (the name sorts last): after the suite, no mount, cgroup, conmon
// process or temp directory of a test's containers or daemons remains (issue 2's
// last acceptance line). Test roots are the temp dirs named /tmp/berth-*.
//
// Only what appeared since the test run began counts, so that a berthd or test
// run someone else started earlier on the same machine is not blamed: "since" is
// the start of the node --test runner process (this file's parent), or
// BERTH_CLEANUP_SINCE (ms since the epoch; 0 checks everything).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { mounts, processes, readProcess } from './acceptance-support.ts';

const since = process.env['BERTH_CLEANUP_SINCE'] !== undefined
  ? Number(process.env['BERTH_CLEANUP_SINCE'])
  : (readProcess(process.ppid)?.startedAt ?? Date.now()) - 1000;

const tmp = '/tmp';
const testRootPattern = /\/tmp\/berth-[^/\s,:]+/g;

/** When a path came into being (birth time where the filesystem keeps it). */
function bornAt(path: string): number | undefined {
  try {
    const st = statSync(path);
    return st.birthtimeMs > 0 ? st.birthtimeMs : st.ctimeMs;
  } catch {
    return undefined;
  }
}

/** A test root that is gone or was made during this run: what it holds is ours to answer for. */
function ours(root: string): boolean {
  const born = bornAt(root);
  return born === undefined || born >= since;
}

test('no temp directory of a test is left in /tmp', () => {
  const left = readdirSync(tmp)
    .filter((name) => name.startsWith('berth-'))
    .map((name) => join(tmp, name))
    .filter((path) => (bornAt(path) ?? 0) >= since);
  assert.deepEqual(left, [], `left behind: ${left.join(', ')}`);
});

test('nothing is mounted under a test root', () => {
  const left = mounts()
    .filter((m) => {
      const roots = [...`${m.mountPoint} ${m.source} ${m.superOptions}`.matchAll(testRootPattern)].map((x) => x[0]);
      return roots.some(ours);
    })
    .map((m) => `${m.mountPoint} (${m.fsType})`);
  assert.deepEqual(left, [], `still mounted: ${left.join(', ')}`);
});

test('no conmon process of a test root is running', () => {
  const left = processes()
    .filter((p) => p.comm === 'conmon')
    .filter((p) => {
      const roots = [...p.cmdline.matchAll(testRootPattern)].map((x) => x[0]);
      return roots.length > 0 && (p.startedAt >= since || roots.some((r) => !existsSync(r)));
    })
    .map((p) => `pid ${p.pid}: ${p.cmdline.slice(0, 200)}`);
  assert.deepEqual(left, [], `still running:\n${left.join('\n')}`);
});

test('no cgroup of a removed container is left under /sys/fs/cgroup/*/berth', () => {
  const left: string[] = [];
  let hierarchies: string[] = [];
  try {
    hierarchies = readdirSync('/sys/fs/cgroup').map((h) => join('/sys/fs/cgroup', h));
  } catch {
    return; // no cgroup file system: nothing can be left
  }
  // cgroup v2 has one hierarchy at /sys/fs/cgroup itself.
  for (const base of ['/sys/fs/cgroup', ...hierarchies]) {
    const dir = join(base, 'berth');
    let entries: string[];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      continue;
    }
    for (const name of entries) {
      const cg = join(dir, name);
      // A cgroup with processes belongs to a container still running (maybe a
      // system berthd's); an empty one created during this run was not removed.
      let procs = '';
      try { procs = readFileSync(join(cg, 'cgroup.procs'), 'utf8').trim(); } catch { /* no procs file */ }
      if (procs === '' && (bornAt(cg) ?? 0) >= since) left.push(cg);
    }
  }
  assert.deepEqual(left, [], `left behind: ${left.join(', ')}`);
});

test('no network namespace of a test oracle dockerd is left', () => {
  let names: string[] = [];
  try { names = readdirSync('/run/netns'); } catch { return; /* no namespaces at all */ }
  const left = names.filter((n) => n.startsWith('berth-oracle-')).filter((n) => (bornAt(join('/run/netns', n)) ?? 0) >= since);
  assert.deepEqual(left, [], `left behind: ${left.join(', ')}`);
});
