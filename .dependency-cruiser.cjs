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
const daemonSide = '^src/(api|engine|daemon|store|image|registry|runtime|network|volume|build)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'No cycle between files (and therefore none between modules). The only cycles tolerated are ' +
        'inside the compose ⇄ cli sharing, see compose-cli-temporary below.',
      from: {},
      to: { circular: true, viaOnly: { pathNot: '^src/compose/' } },
    },
    {
      name: 'no-circular-inside-compose',
      severity: 'error',
      comment: 'Cycles among compose/ files alone are not part of the temporary compose ⇄ cli exception.',
      from: { path: '^src/compose/' },
      to: { circular: true, viaOnly: { path: '^src/compose/' } },
    },
    {
      name: 'client-side-reaches-daemon-only-through-client',
      severity: 'error',
      comment:
        'cli/ and compose/ talk to the daemon through client/ (the Engine API) only; they never import ' +
        'daemon-side modules. Pure code both sides need lives in core/ or lib/.',
      from: { path: '^src/(cli|compose|client)/' },
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
      name: 'engine-knows-no-front-door',
      severity: 'error',
      comment: 'engine/ knows no wire format and no front door: not api/, cli/, client/, compose/ nor daemon/.',
      from: { path: '^src/engine/' },
      to: { path: '^src/(api|cli|client|compose|daemon)/' },
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
      to: { path: '^src/(engine|api|daemon|cli|client|compose)/' },
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
      comment:
        "Another module's files are private; import its index.ts. core/ and lib/ are exempt (see the header). " +
        'compose/ → cli/ is the named temporary exception below.',
      from: { path: '^src/([^/]+)/', pathNot: '^src/compose/' },
      to: { path: '^src/[^/]+/', pathNot: ['^src/$1/', '^src/(core|lib)/', '^src/[^/]+/index\\.ts$'] },
    },
    {
      name: 'enter-a-module-through-its-index-compose',
      severity: 'error',
      comment: 'The same rule for compose/, minus its temporary cli/ exception.',
      from: { path: '^src/compose/' },
      to: { path: '^src/[^/]+/', pathNot: ['^src/(compose|core|lib|cli)/', '^src/[^/]+/index\\.ts$'] },
    },
    {
      name: 'compose-cli-temporary',
      severity: 'error',
      comment:
        'TEMPORARY (issue 12, "one room per concern", item 5): compose/ shares the CLI session, error ' +
        'printing, docker config and build-context code by importing these cli/ files, and cli/ loads ' +
        'compose through a computed import() in cli/compose-entry.ts. A later phase moves the shared code ' +
        'into a cli-kit/ module both import; until then only these files may be crossed.',
      from: { path: '^src/compose/' },
      to: { path: '^src/cli/', pathNot: '^src/cli/((main|session|build-context|docker-config)\\.ts|(format|template)/index\\.ts)$' },
    },
    {
      name: 'cli-reaches-compose-only-through-its-entry',
      severity: 'error',
      comment:
        'Part of the TEMPORARY compose ⇄ cli exception (issue 12): cli/ loads compose/ from cli/compose-entry.ts ' +
        'only, and lazily (scripts/build.mjs keeps it out of berth.cjs, so plain `berth ps` never parses YAML).',
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
