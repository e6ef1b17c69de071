// The dependency rules of .dependency-cruiser.cjs can fail: a copy of src/ gets
// deliberately forbidden imports, and dependency-cruiser must report each one
// under the rule that forbids it (and nothing in the untouched tree).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '../..');
const depcruise = join(repo, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface Violation { readonly rule: { readonly name: string }; readonly from: string; readonly to: string; readonly cycle?: readonly unknown[] }

function cruise(cwd: string): Violation[] {
  const r = spawnSync(process.execPath, [depcruise, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.ok(r.stdout.length > 0, `depcruise printed nothing: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

async function copyOfTree(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-deps-'));
  await cp(join(repo, 'src'), join(dir, 'src'), { recursive: true });
  await cp(join(repo, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  await cp(join(repo, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
  return dir;
}

test('the source tree as it stands breaks no dependency rule', () => {
  const violations = cruise(repo);
  assert.deepEqual(violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`), []);
});

test('each deliberately forbidden import is reported under its rule', async () => {
  const dir = await copyOfTree();
  try {
    const bad: Record<string, string> = {
      // cli reaches the daemon side instead of going through client/
      'src/cli/zz-bad-engine.ts': "import { LocalContainers } from '../engine/index.ts';\nexport const x = LocalContainers;\n",
      // api reaches past engine/index.ts into runtime/
      'src/api/zz-bad-runtime.ts': "import { buildSpec } from '../runtime/index.ts';\nexport const x = buildSpec;\n",
      // engine knows about the wire
      'src/engine/zz-bad-api.ts': "import { statusOf } from '../api/index.ts';\nexport const x = statusOf;\n",
      // lib imports a domain module
      'src/lib/zz-bad-core.ts': "import { notFound } from '../core/errors.ts';\nexport const x = notFound;\n",
      // registry touches the store
      'src/registry/zz-bad-store.ts': "import { openBlobStore } from '../store/index.ts';\nexport const x = openBlobStore;\n",
      // a module's private file from outside
      'src/build/zz-bad-deep.ts': "import { unpackLayer } from '../image/unpack-layer.ts';\nexport const x = unpackLayer;\n",
      // a file-level cycle
      'src/network/zz-cycle-a.ts': "import { b } from './zz-cycle-b.ts';\nexport const a = (): number => b() + 1;\n",
      'src/network/zz-cycle-b.ts': "import { a } from './zz-cycle-a.ts';\nexport const b = (): number => a() - 1;\n",
      // a cycle inside compose/
      'src/compose/zz-cycle-a.ts': "import { b } from './zz-cycle-b.ts';\nexport const a = (): number => b() + 1;\n",
      'src/compose/zz-cycle-b.ts': "import { a } from './zz-cycle-a.ts';\nexport const b = (): number => a() - 1;\n",
      // compose reaching into the CLI program, statically or through a dynamic import()
      'src/compose/zz-bad-cli.ts': "export const x = async (): Promise<unknown> => (await import('../cli/main.ts')).main;\n",
      // cli-kit knowing one of the programs that use it
      'src/cli-kit/zz-bad-compose.ts': "import { loadProject } from '../compose/index.ts';\nexport const x = loadProject;\n",
      // a daemon-side module importing the CLI
      'src/daemon/zz-bad-cli.ts': "export const x = async (): Promise<unknown> => (await import('../cli/compose-entry.ts')).composeArgv;\n",
      // cli loading compose statically
      'src/cli/zz-bad-compose.ts': "import { loadProject } from '../compose/index.ts';\nexport const x = loadProject;\n",
      // the CRI front door reaching past engine/index.ts into network/
      'src/cri/zz-bad-network.ts': "import { CniPodNetworks } from '../network/index.ts';\nexport const x = CniPodNetworks;\n",
      // the engine knowing the CRI
      'src/engine/zz-bad-cri.ts': "import { createCriServer } from '../cri/index.ts';\nexport const x = createCriServer;\n",
      // a module other than daemon/ wiring the CRI
      'src/api/zz-bad-cri.ts': "import { createCriServer } from '../cri/index.ts';\nexport const x = createCriServer;\n",
    };
    for (const [path, text] of Object.entries(bad)) await writeFile(join(dir, path), text);
    const found = new Set(cruise(dir).map((v) => `${v.rule.name} ${v.from}`));
    const expected = [
      'client-side-reaches-daemon-only-through-client src/cli/zz-bad-engine.ts',
      'api-reaches-only-engine-core-lib src/api/zz-bad-runtime.ts',
      'engine-knows-no-front-door src/engine/zz-bad-api.ts',
      'lib-is-a-leaf src/lib/zz-bad-core.ts',
      'registry-never-touches-store src/registry/zz-bad-store.ts',
      'enter-a-module-through-its-index src/build/zz-bad-deep.ts',
      'no-circular src/network/zz-cycle-a.ts',
      'no-circular src/compose/zz-cycle-a.ts',
      'compose-never-imports-cli src/compose/zz-bad-cli.ts',
      'cli-kit-imports-only-client-core-lib src/cli-kit/zz-bad-compose.ts',
      'cli-is-a-program-nobody-imports src/daemon/zz-bad-cli.ts',
      'cli-reaches-compose-only-through-its-entry src/cli/zz-bad-compose.ts',
      'cri-reaches-only-engine-core-lib src/cri/zz-bad-network.ts',
      'engine-knows-no-front-door src/engine/zz-bad-cri.ts',
      'only-daemon-composes-cri src/api/zz-bad-cri.ts',
      'cli-imports-compose-never-statically src/cli/zz-bad-compose.ts',
    ];
    for (const e of expected) assert.ok(found.has(e), `expected a violation "${e}"; got:\n${[...found].join('\n')}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
