// Bundles berth's programs into dist/ with esbuild, one file each, so that a
// program starts by reading a single module instead of walking src/.
// The CLI is bundled as CommonJS: Node loads a CJS file 10-15 ms faster than an
// ES module, and the CLI's start-up is on every command a user types.
// berth's own native addon (native/) is compiled first by scripts/build-native.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { build } from 'esbuild';

execFileSync(new URL('./build-native', import.meta.url).pathname, [], { stdio: 'inherit' });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  // Native addons stay outside the bundle and load from node_modules (berth's own from native/build).
  // ws loads these optional native helpers when present; berth does without them.
  external: ['better-sqlite3', 'bufferutil', 'utf-8-validate'],
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

// The CLI as one executable compiled by Bun (`bun build --compile`, from the npm package `bun`,
// a devDependency) with its code as precompiled bytecode: it starts in the docker CLI's time or
// less, against Node's bare start (~30 ms) plus loading berth.cjs (~30 ms); see bench/README.md
// (cli-start). It carries compose too (in a chunk of its own). Identifiers are not
// minified, so error names and texts stay as they are. Where Bun is missing or fails (a platform
// without a Bun build), dist/berth is a symlink to berth.cjs and the CLI runs on Node as before.
// A compiled Bun program by default loads .env files and bunfig.toml from the working directory
// (a .env's DOCKER_HOST would redirect berth; the docker CLI reads neither), and looking for them
// lists every directory from / down to the working directory on each start: both are off.
// It starts with JavaScriptCore's JIT thresholds 100 times their usual (--compile-jit-policy): a command
// that lasts a few ms runs in the interpreter instead of also compiling what it ran once (2-4 ms of CPU
// less for `berth ps` here); src/cli/berth.ts restores the usual policy after 100 ms.
// Its code is split at the dynamic imports (ES modules, --splitting; the chunks stay inside the
// executable): `--version` loads only berth.ts's chunk, `ps` neither compose nor the other commands'
// bodies, where one CommonJS bundle made every start read the top level of all of it.
async function compileCli() {
  const bun = new URL('../node_modules/.bin/bun', import.meta.url).pathname;
  await rm('dist/berth', { force: true });
  if (existsSync(bun)) {
    try {
      await promisify(execFile)(bun, ['build', '--compile', '--bytecode', '--minify-syntax', '--minify-whitespace', '--no-compile-autoload-dotenv', '--no-compile-autoload-bunfig', '--compile-jit-policy', '100', '--format', 'esm', '--splitting', '--outfile', 'dist/berth', 'src/cli/berth.ts']);
      return;
    } catch (err) {
      console.warn(`build: bun build --compile failed, dist/berth runs berth.cjs on Node instead: ${String(err.stderr || err.message).trim().split('\n').slice(-3).join(' / ')}`);
    }
  } else {
    console.warn('build: Bun is not installed (npm ci installs it), dist/berth runs berth.cjs on Node instead');
  }
  await rm('dist/berth', { force: true });
  await symlink('berth.cjs', 'dist/berth');
}

// berthd is split at its dynamic imports: what it loads only on demand (the CRI's gRPC stack,
// protobufjs and ws, about half of the code) sits in chunks of its own (dist/berthd-*.mjs) that a
// daemon without --cri never reads, parses nor keeps. Its output is ASCII only: V8 keeps a module's
// source for as long as the module lives and stores it with two bytes a character as soon as one
// character is not Latin-1; esbuild escapes every non-ASCII character in strings, templates,
// regular expressions and names (its default `charset: 'ascii'`), but copies comments as they are,
// and one em dash in a comment doubled the 2 MB bundle's cost in the heap. Each such character
// becomes '?' (one UTF-16 unit for one, so the source map's columns stay right).
async function buildDaemon() {
  for (const f of await readdir('dist').catch(() => [])) if (/^berthd(-.*)?\.mjs(\.map)?$/.test(f)) await rm(`dist/${f}`);
  const { outputFiles } = await build({
    ...common,
    entryPoints: { berthd: 'src/daemon/main.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    format: 'esm',
    splitting: true,
    chunkNames: 'berthd-[name]-[hash]',
    write: false,
    // Bundled CommonJS dependencies call require(); give every chunk one.
    banner: { js: "import { createRequire as __berthCreateRequire } from 'node:module'; const require = __berthCreateRequire(import.meta.url);" },
  });
  await Promise.all(outputFiles.map((f) => writeFile(f.path, f.path.endsWith('.mjs') ? f.text.replace(/[^\x00-\x7f]/g, '?') : f.contents)));
}

await Promise.all([
  build({
    ...common,
    plugins: [composeOutsideTheCli],
    entryPoints: { berth: 'src/cli/berth.ts' },
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
  compileCli(),
  buildDaemon(),
]);

// The CRI front door loads k8s.io/cri-api's api.proto at run time (proto-loader); it sits beside the bundle.
const { copyFile, mkdir } = await import('node:fs/promises');
await mkdir('dist/cri', { recursive: true });
await copyFile('src/cri/proto/api.proto', 'dist/cri/api.proto');

// bin/berth is a symlink to dist/berth: the compiled CLI, or the Node bundle where Bun could not compile it.
const { chmod } = await import('node:fs/promises');
await chmod('dist/berth.cjs', 0o755);
await chmod('dist/berth-compose.cjs', 0o755);
