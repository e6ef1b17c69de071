// Issue 15's acceptance list, checked against one report's results: each goal
// with what was measured, its target, and met / missed / not measured.
import { engineMem, manyRatios } from '../many-report.ts';
import type { Results } from './results.ts';

export interface Goal {
  goal: string;
  /** The measured value in the goal's unit, or null when it was not measured. */
  value: number | null;
  target: number;
  unit: '×' | 'ms' | 'MiB';
  /** How the value was obtained (medians, which bench). */
  detail: string;
  /** Short label for the chart. */
  label: string;
}

export const met = (g: Goal): 'met' | 'missed' | 'not measured' => (g.value === null ? 'not measured' : g.value <= g.target ? 'met' : 'missed');

export function goals(r: Results): Goal[] {
  const out: Goal[] = [];
  const rl = r['run-latency'];
  const med = (name: string) => rl?.variants.find((v) => v.name === name)?.medianMs ?? null;
  const ratio = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? a / b : null);
  const dockerBerthd = med('docker→berthd');
  const version = med('docker --version');
  const runc = med('runc run');
  const sameSpec = med('runc run, berthd spec');
  const underConmon = med('conmon + runc, berthd spec');
  const standIn = med('docker→stand-in');
  const above = dockerBerthd !== null && version !== null && runc !== null ? dockerBerthd - version - runc : null;
  out.push({
    goal: '`run --rm --network none busybox true` through the docker CLI: berthd within 20 ms of the floor (docker CLI start + `runc run`)',
    value: above,
    target: 20,
    unit: 'ms',
    label: 'run: above floor',
    detail: above === null ? 'bench/run-latency' : `docker→berthd ${dockerBerthd!.toFixed(1)} − docker --version ${version!.toFixed(1)} − runc run ${runc!.toFixed(1)} ms (run-latency)${sameSpec === null ? '' : `; runc run of berthd's own spec takes ${sameSpec.toFixed(1)} ms, so berthd is ${(dockerBerthd! - version! - sameSpec).toFixed(1)} ms above that floor`}${underConmon === null ? '' : `; run by berthd's runtime without berthd (conmon with runc create, the start, until conmon's exit file) it takes ${underConmon.toFixed(1)} ms, and berthd is ${(dockerBerthd! - version! - underConmon).toFixed(1)} ms above that`}${standIn === null ? '' : `; the docker CLI against a stand-in daemon that answers at once takes ${standIn.toFixed(1)} ms, ${(standIn - version!).toFixed(1)} ms more than its start (its five requests)${underConmon === null ? '' : `, which leaves berthd's own part at ${(dockerBerthd! - standIn - underConmon).toFixed(1)} ms`}`}`,
  });
  out.push({ goal: 'the same through `berth`: ≤ 0.35× docker → dockerd', value: ratio(med('berth→berthd'), med('docker→dockerd')), target: 0.35, unit: '×', label: 'run: berth/docker', detail: 'berth→berthd / docker→dockerd (run-latency)' });
  out.push({ goal: 'the same through `berth`: ≤ 0.6× podman', value: ratio(med('berth→berthd'), med('podman')), target: 0.6, unit: '×', label: 'run: berth/podman', detail: 'berth→berthd / podman (run-latency)' });

  const cs = r['cli-start'];
  const cmed = (name: string) => cs?.cases.find((c) => c.name === name)?.medianMs ?? null;
  out.push({ goal: '`berth --version` no slower than `docker --version`', value: ratio(cmed('berth --version (compiled, Bun)'), cmed('docker --version')), target: 1, unit: '×', label: 'berth --version', detail: 'berth --version / docker --version (cli-start)' });
  out.push({ goal: '`berth ps` no slower than `docker ps`', value: ratio(cmed('berth ps (compiled, Bun)'), cmed('docker ps')), target: 1, unit: '×', label: 'berth ps', detail: 'berth ps / docker ps (cli-start)' });

  const many = r.many;
  const mr = many ? manyRatios(many) : [];
  const count = many?.count ?? 50;
  out.push({ goal: `${count} × \`run -d busybox sleep 1000\`: ≤ 0.3× docker's time`, value: mr[0]?.value ?? null, target: 0.3, unit: '×', label: `${count} × run -d`, detail: `berth / docker→dockerd, ${count} starts each (many)` });
  out.push({ goal: `\`rm -f\` of the ${count}: ≤ 0.3× docker's`, value: mr[1]?.value ?? null, target: 0.3, unit: '×', label: `rm -f of ${count}`, detail: `berth / docker→dockerd, one rm -f (many)` });
  const fresh = many?.mem['berthd fresh'];
  out.push({ goal: 'berthd RSS ≤ 55 MB idle', value: fresh ? fresh.rss / 1024 : null, target: 55, unit: 'MiB', label: 'RSS idle', detail: 'a fresh berthd, 2 s after it answered /_ping (many)' });
  const berthMem = many ? engineMem(many).find((m) => m.engine === 'berth') : undefined;
  out.push({ goal: `berthd RSS ≤ 80 MB with ${count} running (a fresh daemon)`, value: berthMem?.daemonRunningRss ?? null, target: 80, unit: 'MiB', label: `RSS ${count} running`, detail: `median over rounds, berthd only, conmons not counted (many)` });
  const rss = r.rss;
  const after = rss?.samples.find((s) => s.name.startsWith('with '));
  out.push({
    goal: 'berthd RSS ≤ 80 MB after the whole test suite and with 50 running',
    value: after && rss && rss.count >= 50 ? after.footprint.daemon.rss / 1024 : null,
    target: 80,
    unit: 'MiB',
    label: 'RSS suite + 50',
    detail: !rss
      ? 'needs a berthd that served the suite: bench/report --rss-after-suite (or --berthd-pid PID)'
      : rss.suite
        ? `a private berthd after docker-py's integration suite (${rss.suite.tests} tests), ${(rss.samples[1]!.footprint.daemon.rss / 1024).toFixed(1)} MiB ${rss.samples[1]!.name}, then ${rss.count} started (rss --after-suite)`
        : `berthd ${rss.pid}, as found ${(rss.samples[0]!.footprint.daemon.rss / 1024).toFixed(1)} MiB, then ${rss.count} started (rss --berthd-pid)`,
  });

  const pull = r.pull;
  const pmed = (name: string) => pull?.engines.find((e) => e.name === name)?.median ?? null;
  out.push({ goal: 'cold pull of the 218 MB image: ≤ 0.4× docker', value: ratio(pmed('berth'), pmed('docker')), target: 0.4, unit: '×', label: 'cold pull', detail: 'berth / docker→dockerd (pull)' });
  const build = r.build;
  const bmed = (name: string) => build?.engines.find((e) => e.name === name)?.medianMs.cached ?? null;
  out.push({ goal: 'fully cached build through `berth build`: ≤ 0.5× docker’s classic builder', value: ratio(bmed('berth'), bmed('docker (classic)')), target: 0.5, unit: '×', label: 'cached build: berth', detail: 'berth build / DOCKER_BUILDKIT=0 docker build (build)' });
  out.push({ goal: 'fully cached build through the docker CLI: ≤ 0.3×', value: ratio(bmed('docker→berthd'), bmed('docker (classic)')), target: 0.3, unit: '×', label: 'cached build: docker CLI', detail: 'docker CLI → berthd / docker → dockerd, classic builder (build)' });
  return out;
}
