// Bundles berth's programs into dist/ with esbuild, one file each, so that a
// program starts by reading a single module instead of walking src/.
// The CLI is bundled as CommonJS: Node loads a CJS file 10-15 ms faster than an
// ES module, and the CLI's start-up is on every command a user types.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  // Native addons stay outside the bundle and load from node_modules.
  // ws loads these optional native helpers when present; berth does without them.
  external: ['better-sqlite3', 'node-unix-socket', 'bufferutil', 'utf-8-validate'],
  logLevel: 'warning',
};

// The CLI loads compose lazily (dist/berth-compose.cjs, or src/compose/ from source): its
// import of compose/index.ts stays outside berth.cjs, so plain `berth ps` never parses compose.
const composeOutsideTheCli = {
  name: 'compose-outside-the-cli',
  setup(b) {
    b.onResolve({ filter: /\/compose\/index\.ts$/ }, (args) => ({ path: args.path, external: true }));
  },
};

await Promise.all([
  build({
    ...common,
    plugins: [composeOutsideTheCli],
    entryPoints: { berth: 'src/cli/main.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    banner: { js: '#!/usr/bin/env node' },
  }),
  build({
    ...common,
    entryPoints: { 'berth-compose': 'src/cli/berth-compose.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    banner: { js: '#!/usr/bin/env node' },
  }),
  build({
    ...common,
    entryPoints: { berthd: 'src/daemon/main.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    format: 'esm',
    // Bundled CommonJS dependencies call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __berthCreateRequire } from 'node:module'; const require = __berthCreateRequire(import.meta.url);" },
  }),
]);

// The CRI front door loads k8s.io/cri-api's api.proto at run time (proto-loader); it sits beside the bundle.
const { copyFile, mkdir } = await import('node:fs/promises');
await mkdir('dist/cri', { recursive: true });
await copyFile('src/cri/proto/api.proto', 'dist/cri/api.proto');

// bin/berth is a symlink to dist/berth.cjs, so the bundle itself is the program.
const { chmod } = await import('node:fs/promises');
await chmod('dist/berth.cjs', 0o755);
await chmod('dist/berth-compose.cjs', 0o755);
