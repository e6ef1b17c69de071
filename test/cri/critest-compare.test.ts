// critest (cri-tools v1.37, the suite containerd and CRI-O run in their own
// CI) against berth's CRI and against containerd v2.4's built-in CRI on the
// same machine, both pulling critest's images (registry.k8s.io, gcr.io) from
// one local registry as their mirror (critest-images.ts). The test compares the outcomes spec by spec: every
// spec containerd passes must pass on berth, except the ones docs/cri.md
// lists as not implemented yet, which are skipped on both with -ginkgo.skip
// so that the run stays within CI's budget.
// BERTH_CRITEST_REPORT=<file> writes the full comparison there as JSON;
// BERTH_CRITEST_FOCUS=<regexp> runs only the specs it matches (-ginkgo.focus), on both runtimes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../integration/acceptance-support.ts';
import { critestBin, mirrorForFile, startContainerd, startCriBerthd, type CriRuntime } from './cri-support.ts';
import { pushCritestImages } from './critest-images.ts';

/** Specs skipped on both runtimes: critest's benchmarks (timings, not conformance). */
export const skippedSpecs = [
  'benchmark',
];

interface SpecReport {
  readonly LeafNodeText: string;
  readonly ContainerHierarchyTexts: readonly string[] | null;
  readonly State: string;
  readonly RunTime: number;
  readonly Failure?: { readonly Message?: string };
}

/** Outcome per spec name ("<containers> <leaf>") from ginkgo's JSON report. */
function outcomes(reportPath: string): Map<string, { state: string; message: string }> {
  const suites = JSON.parse(readFileSync(reportPath, 'utf8')) as { SpecReports: SpecReport[] | null }[];
  const out = new Map<string, { state: string; message: string }>();
  for (const s of suites.flatMap((x) => x.SpecReports ?? [])) {
    if (s.LeafNodeText === '') continue; // suite set-up nodes
    const name = [...(s.ContainerHierarchyTexts ?? []), s.LeafNodeText].join(' ');
    out.set(name, { state: s.State, message: (s.Failure?.Message ?? '').split('\n')[0]?.slice(0, 300) ?? '' });
  }
  return out;
}

const focus = process.env['BERTH_CRITEST_FOCUS'];

/** Go's regexp.QuoteMeta, for -ginkgo.focus on exact spec names. */
const quoteMeta = (t: string) => t.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');

async function critest(rt: CriRuntime, dir: string, only?: readonly string[]): Promise<{ results: Map<string, { state: string; message: string }>; seconds: number }> {
  const report = join(dir, `${rt.name}${only ? '-retry' : ''}.json`);
  const t0 = Date.now();
  const r = await run(critestBin, [
    `-runtime-endpoint=${rt.endpoint}`,
    `-image-endpoint=${rt.endpoint}`,
    `-ginkgo.skip=${skippedSpecs.join('|')}`,
    ...(only ? [`-ginkgo.focus=${only.map((n) => quoteMeta(n.replace(/^.*?\] /, ''))).join('|')}`] : focus ? [`-ginkgo.focus=${focus}`] : []),
    `-ginkgo.json-report=${report}`,
    '-ginkgo.no-color',
    // Exec, attach and port-forward over SPDY, critest's default (crictl's and kubelet's before 1.30).
    '-ginkgo.timeout=20m',
  ], { timeoutMs: 25 * 60_000 });
  const seconds = (Date.now() - t0) / 1000;
  try {
    return { results: outcomes(report), seconds };
  } catch (err) {
    throw new Error(`critest against ${rt.name} wrote no report (exit ${r.code}): ${r.stdout.slice(-2000)} ${r.stderr.slice(-2000)} ${String(err)}`);
  }
}

const mirror = mirrorForFile('/tmp/berth-critest-');

test('critest: every spec containerd passes passes on berth', { timeout: 60 * 60_000 }, async () => {
  const berth = await startCriBerthd({ mirror: mirror.registry.host });
  try {
    // The pause image exists once the CRI ran a pod; then every critest image goes to the registry.
    writeFileSync(join(mirror.dir, 'pod.json'), JSON.stringify({ metadata: { name: 'warm', namespace: 'default', uid: 'warm', attempt: 0 }, linux: {} }));
    const warm = await berth.crictl(['runp', join(mirror.dir, 'pod.json')]);
    assert.equal(warm.code, 0, warm.stderr);
    await berth.crictl(['rmp', '-f', warm.stdout.trim()]);
    const pushed = await pushCritestImages(berth.daemon, mirror.registry.host);
    process.stderr.write(`critest images built and pushed in ${pushed.seconds.toFixed(1)} s\n`);

    // The oracle first, so that berth's run can retry, once, what it failed and containerd passed.
    const containerd = await startContainerd({ sandboxImage: pushed.sandboxImage, mirror: mirror.registry.host });
    let ctrRun: Awaited<ReturnType<typeof critest>>;
    try {
      ctrRun = await critest(containerd, mirror.dir);
    } finally {
      await containerd.stop();
    }
    const berthRun = await critest(berth, mirror.dir);

    const names = [...new Set([...ctrRun.results.keys(), ...berthRun.results.keys()])].sort();
    const rows = names.map((name) => ({ name, containerd: ctrRun.results.get(name)?.state ?? 'absent', berth: berthRun.results.get(name)?.state ?? 'absent', berthFailure: berthRun.results.get(name)?.message ?? '', containerdFailure: ctrRun.results.get(name)?.message ?? '', berthRetry: '' }));
    // On a loaded machine a spec can time out on one runtime only: a second try of berth's misses tells a flake from a gap.
    const missed = rows.filter((r) => r.containerd === 'passed' && r.berth !== 'passed');
    if (missed.length > 0) {
      const retry = await critest(berth, mirror.dir, missed.map((r) => r.name));
      for (const r of missed) r.berthRetry = retry.results.get(r.name)?.state ?? 'absent';
    }
    const count = (who: 'berth' | 'containerd', state: string) => rows.filter((r) => r[who] === state).length;
    const summary = {
      seconds: { berth: berthRun.seconds, containerd: ctrRun.seconds },
      berth: { passed: count('berth', 'passed'), failed: count('berth', 'failed'), skipped: count('berth', 'skipped'), passedOnRetry: missed.filter((r) => r.berthRetry === 'passed').length },
      containerd: { passed: count('containerd', 'passed'), failed: count('containerd', 'failed'), skipped: count('containerd', 'skipped') },
    };
    process.stderr.write(`critest ${JSON.stringify(summary)}\n`);
    const report = process.env['BERTH_CRITEST_REPORT'];
    if (report) writeFileSync(report, JSON.stringify({ summary, rows }, null, 2));
    const regressions = missed.filter((r) => r.berthRetry !== 'passed');
    assert.deepEqual(regressions.map((r) => `${r.name}: ${r.berthFailure}`), [], 'specs containerd passes and berth does not, twice');
  } finally {
    await berth.stop();
  }
});
