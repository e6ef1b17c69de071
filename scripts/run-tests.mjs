// Runs berth's test suite with node:test. Unit tests (src/**/*.test.ts) always run;
// the other tiers — test/clients (real clients against berthd and an oracle
// dockerd), test/compat, test/faults (berthd killed at chosen points, churn),
// test/cri (crictl and critest against a CRI berthd and an oracle containerd)
// and test/integration, in that order so that
// test/integration/zz-cleanup.test.ts runs last and checks them all — need root
// and the packages and clients that scripts/setup installs. `--unit` runs only
// the unit tier.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir, out = []) {
  let names;
  try { names = readdirSync(dir); } catch { return out; }
  for (const name of names.sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) find(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const unitOnly = process.argv.includes('--unit');
const tiers = ['test/clients', 'test/compat', 'test/faults', 'test/cri', 'test/integration'];
const files = [...find('src'), ...(unitOnly ? [] : tiers.flatMap((dir) => find(dir)))];
// A test file that hangs fails after 20 minutes, and a file whose tests have all
// ended is not waited on for handles it left open (zz-cleanup then reports
// what it leaked): one hang must cost the suite a test, never the whole run.
const bounds = ['--test-timeout=1200000', '--test-force-exit'];
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...bounds, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
