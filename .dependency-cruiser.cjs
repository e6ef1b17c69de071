// The module boundaries of /work/shared/DESIGN.md ("Modules" table and
// "Dependency direction"), checked by dependency-cruiser: `npm run lint:deps`
// (part of `npm test`). A rule here is a "never" of that table; an exception is
// named, says why, and points at the issue that removes it.
//
// Decisions:
// - Another module is entered through its index.ts only. core/ and lib/ are the
//   exception: they are leaf modules whose every file is public vocabulary
//   (`core/errors.ts`, `lib/logger.ts`), and importing one file keeps the CLI
//   bundle from loading the whole leaf.
// - Type-only imports count (tsPreCompilationDeps): a type is a dependency too.
// - Tests (*.test.ts) obey the same rules as the code beside them.

/** Modules that live in the daemon process; the client side never imports them. */
const daemonSide = '^src/(api|cri|engine|daemon|store|image|registry|runtime|network|volume|build)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No cycle between files (and therefore none between modules), dynamic imports included.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'client-side-reaches-daemon-only-through-client',
      severity: 'error',
      comment:
        'cli/, compose/ and cli-kit/ talk to the daemon through client/ (the Engine API) only; they never ' +
        'import daemon-side modules. Pure code both sides need lives in core/ or lib/.',
      from: { path: '^src/(cli|cli-kit|compose|client)/' },
      to: { path: daemonSide },
    },
    {
      name: 'api-reaches-only-engine-core-lib',
      severity: 'error',
      comment: 'api/ turns HTTP into engine calls: it imports engine/index.ts, core/ and lib/ only.',
      from: { path: '^src/api/' },
      to: { path: '^src/', pathNot: '^src/(api/|core/|lib/|engine/index\\.ts$)' },
    },
    {
      name: 'cri-reaches-only-engine-core-lib',
      severity: 'error',
      comment: "cri/ (Kubernetes' CRI, the second front door) turns gRPC into engine calls: it imports engine/index.ts, core/ and lib/ only, as api/ does.",
      from: { path: '^src/cri/' },
      to: { path: '^src/', pathNot: '^src/(cri/|core/|lib/|engine/index\\.ts$)' },
    },
    {
      name: 'only-daemon-composes-cri',
      severity: 'error',
      comment: 'cri/ is wired by daemon/ (the composition root) and nobody else.',
      from: { path: '^src/', pathNot: '^src/(cri|daemon)/' },
      to: { path: '^src/cri/' },
    },
    {
      name: 'engine-knows-no-front-door',
      severity: 'error',
      comment: 'engine/ knows no wire format and no front door: not api/, cri/, cli/, cli-kit/, client/, compose/ nor daemon/.',
      from: { path: '^src/engine/' },
      to: { path: '^src/(api|cri|cli|cli-kit|client|compose|daemon)/' },
    },
    {
      name: 'only-daemon-composes-api',
      severity: 'error',
      comment: 'api/ is wired by daemon/ (the composition root) and nobody else.',
      from: { path: '^src/', pathNot: '^src/(api|daemon)/' },
      to: { path: '^src/api/' },
    },
    {
      name: 'registry-never-touches-store',
      severity: 'error',
      comment: 'registry/ yields blobs; engine/ stores them (DESIGN: "touch the store directly" is a never).',
      from: { path: '^src/registry/' },
      to: { path: '^src/(store|image|engine)/' },
    },
    {
      name: 'lower-modules-know-no-service-layer',
      severity: 'error',
      comment:
        'store/, image/, registry/, build/, runtime/, network/, volume/ sit under engine/: ' +
        'they import neither engine/ nor anything above it.',
      from: { path: '^src/(store|image|registry|build|runtime|network|volume)/' },
      to: { path: '^src/(engine|api|cri|daemon|cli|cli-kit|client|compose)/' },
    },
    {
      name: 'core-imports-only-lib',
      severity: 'error',
      comment: 'core/ is the domain vocabulary without I/O: it may use lib/ and nothing else of src/.',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/(core|lib)/' },
    },
    {
      name: 'lib-is-a-leaf',
      severity: 'error',
      comment: 'lib/ holds leaf utilities with no domain words: it imports no other src/ module.',
      from: { path: '^src/lib/' },
      to: { path: '^src/', pathNot: '^src/lib/' },
    },
    {
      name: 'enter-a-module-through-its-index',
      severity: 'error',
      comment: "Another module's files are private; import its index.ts. core/ and lib/ are exempt (see the header).",
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/[^/]+/', pathNot: ['^src/$1/', '^src/(core|lib)/', '^src/[^/]+/index\\.ts$'] },
    },
    {
      name: 'cli-kit-imports-only-client-core-lib',
      severity: 'error',
      comment:
        'cli-kit/ is what cli/ and compose/ share (session, docker config, build context, format, templates): ' +
        'it builds on client/, core/ and lib/ only and never knows either program.',
      from: { path: '^src/cli-kit/' },
      to: { path: '^src/', pathNot: '^src/(cli-kit|client|core|lib)/' },
    },
    {
      name: 'compose-never-imports-cli',
      severity: 'error',
      comment:
        'compose/ shares code with the CLI through cli-kit/ only; the berth commands it runs (exec, run, push) ' +
        'come in as a hook from the program that hosts it (cli/compose-entry.ts, cli/berth-compose.ts).',
      from: { path: '^src/compose/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'cli-is-a-program-nobody-imports',
      severity: 'error',
      comment: 'cli/ is the `berth` program: no other module imports it (compose/ and cli-kit/ have their own rules above).',
      from: { path: '^src/', pathNot: '^src/(cli|cli-kit|compose)/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'cli-reaches-compose-only-through-its-entry',
      severity: 'error',
      comment:
        'cli/ loads compose/ from cli/compose-entry.ts only, and lazily (scripts/build.mjs keeps it out of ' +
        'berth.cjs, so plain `berth ps` never parses YAML).',
      from: { path: '^src/cli/', pathNot: '^src/cli/compose-entry\\.ts$' },
      to: { path: '^src/compose/' },
    },
    {
      name: 'cli-imports-compose-only-lazily',
      severity: 'error',
      comment: 'The one allowed edge from cli/ to compose/: a dynamic import() of compose/index.ts in cli/compose-entry.ts.',
      from: { path: '^src/cli/compose-entry\\.ts$' },
      to: { path: '^src/compose/', pathNot: '^src/compose/index\\.ts$' },
    },
    {
      name: 'cli-imports-compose-never-statically',
      severity: 'error',
      comment: 'A static import would load compose (YAML, ajv, the schema) on every CLI start.',
      from: { path: '^src/cli/' },
      to: { path: '^src/compose/', dependencyTypesNot: ['dynamic-import'] },
    },
    {
      name: 'not-to-test-support',
      severity: 'error',
      comment: 'src/ never imports test/ code.',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
