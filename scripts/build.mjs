// Bundles berth's entry points into dist/ with esbuild: one file per program, so
// that the CLI starts by reading a single module instead of walking src/.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const entries = {
  berth: 'src/cli/main.ts',
  berthd: 'src/daemon/main.ts',
};

const entryPoints = Object.fromEntries(Object.entries(entries).filter(([, file]) => existsSync(file)));

await build({
  entryPoints,
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  external: ['better-sqlite3'],
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __berthCreateRequire } from 'node:module'; const require = __berthCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
