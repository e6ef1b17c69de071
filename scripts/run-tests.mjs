// Runs berth's test suite with node:test. Unit tests (src/**/*.test.ts) always run;
// integration and compatibility tests (test/**) need root and the packages that
// scripts/setup installs. `--unit` runs only the unit tier.
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
const files = [...find('src'), ...(unitOnly ? [] : find('test'))];
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
