// The import rules of docs/architecture.md, checked by `npm run lint`:
//   npx depcruise src --config .dependency-cruiser.cjs
// Layers, bottom to top: platform → features (registry and one folder per capability) →
// ecosystems/<eco>, api, web → app.ts / main.ts (which may import everything); cli beside them.
// Type-only imports count: a type from another layer's internals couples as much as a value.

/** Feature folders: the registry core and one folder per capability (future ones included). */
const FEATURES =
  'accounts|tokens|auth|events|registry|notifications|mfa|downloads|mfa-policy|orgs|trust|attestations|recovery|signing|malware|advisories|moderation|transparency|tuf|mirror';
const EDGE = 'ecosystems|api|web|cli';
const ROOTS = '^src/(app|main)\\.ts$';

/**
 * dependency-cruiser reads TypeScript through the `typescript` package's JS API (versions below 7)
 * or through @swc/core. typescript@7 (the native compiler this project type-checks with) has no
 * such API, and without a parser dependency-cruiser skips every .ts file and reports "no
 * violations" for 0 modules: refuse that false pass loudly instead.
 */
function typeScriptParser() {
  try {
    if (Number(require('typescript/package.json').version.split('.')[0]) < 7) return 'tsc';
  } catch {}
  try {
    require.resolve('@swc/core');
    return 'swc';
  } catch {}
  throw new Error(
    'dependency-cruiser cannot parse TypeScript here: the installed typescript (7.x) has no JS API and ' +
      '@swc/core is not installed, so every .ts file would be skipped and the import rules would pass ' +
      'vacuously. Add @swc/core as a devDependency (this config then uses parser "swc").',
  );
}

module.exports = {
  forbidden: [
    {
      name: 'platform-is-the-bottom',
      comment: 'platform/ knows nothing of packages: it imports no feature, ecosystem, api, web, cli or root.',
      severity: 'error',
      from: { path: '^src/platform/' },
      to: { path: [`^src/(${FEATURES}|${EDGE})/`, ROOTS] },
    },
    {
      name: 'features-stay-below-the-edge',
      comment: 'Features never import ecosystems, api, web, cli or the composition root.',
      severity: 'error',
      from: { path: `^src/(${FEATURES})/` },
      to: { path: [`^src/(${EDGE})/`, ROOTS] },
    },
    {
      name: 'features-through-index-only',
      comment:
        "Another feature is used only through its index.ts (e.g. src/tokens/index.ts), never its internals. " +
        'Applies to every importer but the feature itself and app.ts/main.ts.',
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: `^src/(${FEATURES})/`, pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$'] },
    },
    {
      name: 'features-without-http',
      comment: 'Features never see HTTP types or Fastify: plain data in and out.',
      severity: 'error',
      from: { path: `^src/(${FEATURES})/` },
      to: { path: ['^src/platform/http/', '(^|/)node_modules/(fastify|@fastify/)'] },
    },
    {
      name: 'ecosystem-not-to-another-ecosystem',
      comment: 'An ecosystem adapter never imports another one (shared code belongs in registry/ or platform/).',
      severity: 'error',
      from: { path: '^src/ecosystems/([^/]+)/' },
      to: { path: '^src/ecosystems/[^/]+/', pathNot: '^src/ecosystems/$1/' },
    },
    {
      name: 'ecosystem-platform-allowlist',
      comment:
        'Ecosystems get no database, blob store or configuration: of platform/ they may use only ' +
        'http, archive, log, errors, crypto and clock.',
      severity: 'error',
      from: { path: '^src/ecosystems/' },
      to: { path: '^src/platform/', pathNot: '^src/platform/(http|archive|log|errors|crypto|clock)(/|\\.ts$)' },
    },
    {
      name: 'ecosystem-not-to-api-web-cli',
      comment: 'Ecosystems do not import api, web, cli or the composition root.',
      severity: 'error',
      from: { path: '^src/ecosystems/' },
      to: { path: ['^src/(api|web|cli)/', ROOTS] },
    },
    {
      name: 'api-web-through-ecosystems-index',
      comment: 'api/ and web/ see ecosystems only through src/ecosystems/index.ts.',
      severity: 'error',
      from: { path: '^src/(api|web)/' },
      to: { path: '^src/ecosystems/', pathNot: '^src/ecosystems/index\\.ts$' },
    },
    {
      name: 'api-web-no-storage',
      comment: 'api/ and web/ are thin: no database or blob store handle; they call services.',
      severity: 'error',
      from: { path: '^src/(api|web)/' },
      to: { path: '^src/platform/(db|blobs|settings)(/|\\.ts$)' },
    },
    {
      name: 'api-web-platform-allowlist',
      comment: 'The design allows api/ and web/ platform http, log, errors (crypto, clock are harmless); anything else is a smell.',
      severity: 'warn',
      from: { path: '^src/(api|web)/' },
      to: { path: '^src/platform/', pathNot: '^src/platform/(http|log|errors|crypto|clock|db|blobs|settings)(/|\\.ts$)' },
    },
    {
      name: 'api-web-not-to-cli-or-root',
      severity: 'error',
      from: { path: '^src/(api|web)/' },
      to: { path: ['^src/cli/', ROOTS] },
    },
    {
      name: 'cli-allowlist',
      comment:
        'The CLI talks to a server over HTTP; its admin commands may use platform config, db and clock, ' +
        "features' index.ts, and main.ts (for `bulwark serve`).",
      severity: 'error',
      from: { path: '^src/cli/' },
      to: {
        path: '^src/',
        pathNot: [
          '^src/cli/',
          '^src/main\\.ts$',
          '^src/platform/(config|clock)\\.ts$',
          '^src/platform/db/index\\.ts$',
          `^src/(${FEATURES})/index\\.ts$`,
        ],
      },
    },
    {
      name: 'only-main-imports-app',
      comment: 'app.ts is the composition root: only main.ts (the process entry) imports it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/main\\.ts$' },
      to: { path: '^src/app\\.ts$' },
    },
    {
      name: 'only-cli-imports-main',
      comment: 'main.ts is the process entry: only the CLI (`bulwark serve`) imports it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/main\\.ts$' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve is a typo or a missing dependency.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-circular',
      comment: 'Cycles make the layers meaningless; break them with an interface or by moving code down.',
      severity: 'warn',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    parser: typeScriptParser(),
    doNotFollow: { path: 'node_modules' },
    // Count `import type` too: the rules are about coupling, not only about runtime loading.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Sources import `./x.js` for `./x.ts` (NodeNext); dependency-cruiser maps those to the .ts file.
    enhancedResolveOptions: {
      extensions: ['.ts', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
