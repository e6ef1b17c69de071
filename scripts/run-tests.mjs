// Runs berth's test suite with node:test. Unit tests (src/**/*.test.ts) always run;
// the other tiers — test/clients (real clients against berthd and an oracle
// dockerd), test/compat and test/integration, in that order so that
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
const tiers = ['test/clients', 'test/compat', 'test/integration'];
const files = [...find('src'), ...(unitOnly ? [] : tiers.flatMap((dir) => find(dir)))];
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
