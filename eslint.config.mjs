import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Every folder (or top-level file) of src/ that is a layer, for the rules below. */
const SRC_LAYERS = [
  'common',
  'config',
  'template',
  'budget',
  'azure',
  'logs',
  'polling',
  'activities',
  'workflows',
  'workerHost',
  'worker',
  'client',
  'prefect',
  'cli',
  'emulator',
  'localServices',
];
/** Of the workflows layer, only its definitions (signals, queries, input shape, failure types) hold nothing of the sandbox. */
const WORKFLOW_DEFINITIONS = 'workflows/definitions';

/**
 * The layers of docs/architecture.md, lowest first, with the src/ layers each may import
 * besides itself (its "may import" column); everything else is forbidden, type-only imports
 * included. `beside` layers (the emulator, the local services) are imported by the CLI, tests
 * and the benchmark only. The CLI may import everything, so it has no entry.
 */
const layers = [
  { folder: 'common', mayImport: [] },
  { folder: 'config', mayImport: ['common'] },
  { folder: 'template', mayImport: ['config', 'common'] },
  // The ARM budget knows nothing of Azure's SDK clients or of what a request is for beyond its kind and priority.
  { folder: 'budget', mayImport: ['common'] },
  { folder: 'azure', mayImport: ['budget', 'template', 'config', 'common'] },
  { folder: 'logs', mayImport: ['config', 'common'] },
  // The poll schedule follows the read budget's rate; it never calls Azure itself.
  { folder: 'polling', mayImport: ['budget', 'config', 'common'] },
  // Activities share the workflow's definitions (failure types, input shape), nothing else of it.
  { folder: 'activities', mayImport: ['polling', 'logs', 'azure', 'budget', 'template', 'config', 'common', WORKFLOW_DEFINITIONS] },
  // The wiring sits below its entry point, src/worker.ts, which imports it.
  { folder: 'workerHost', mayImport: ['workflows', 'activities', 'polling', 'logs', 'azure', 'budget', 'template', 'config', 'common'] },
  { file: 'worker.ts', mayImport: ['workerHost', 'workflows', 'activities', 'polling', 'logs', 'azure', 'budget', 'template', 'config', 'common'] },
  { folder: 'client', mayImport: ['workflows', 'logs', 'template', 'config', 'common'] },
  // The Prefect bridge is an orchestrator: it starts and watches runs through the client library only.
  { folder: 'prefect', mayImport: ['client', 'template', 'config', 'common', WORKFLOW_DEFINITIONS] },
  { folder: 'emulator', mayImport: [] },
  // The launcher of local services (dev server, Azurite, Prefect server) registers the search attributes, nothing else of ours.
  { folder: 'localServices', mayImport: [WORKFLOW_DEFINITIONS] },
];

/** What a layer must not import: every other layer it may not, and of workflows all but the definitions when only those are allowed. */
function forbiddenFor({ folder, file, mayImport }) {
  const self = folder ?? file.replace(/\.ts$/, '');
  return SRC_LAYERS.filter((layer) => layer !== self && !mayImport.includes(layer)).map((layer) =>
    layer === 'workflows' && mayImport.includes(WORKFLOW_DEFINITIONS) ? 'workflows/(?!definitions$)' : layer,
  );
}

/**
 * One rule per folder depth, so `../` counts exactly up to src/ (src/emulator/template is not src/template);
 * a layer that is one file at the top of src/ (the worker's entry point) imports with `./`.
 */
function layerRules(layer) {
  const { folder, file } = layer;
  const forbidden = forbiddenFor(layer);
  const targets = file
    ? [{ files: [`src/${file}`], up: '\\./' }]
    : [1, 2, 3].map((depth) => ({ files: [`src/${folder}/${'*/'.repeat(depth - 1)}*.ts`], up: `(\\.\\./){${depth}}` }));
  return targets.map(({ files, up }) => ({
    files,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: forbidden.map((target) => ({
            regex: `^${up}(${target})(/|$)`,
            message: `src/${folder ?? file} sits below src/${target.replace(/\/.*$/, '')} in the layers of docs/architecture.md; move the shared piece down instead.`,
          })),
        },
      ],
    },
  }));
}

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'packages/*/dist/', 'tools/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.object.name='it'][callee.property.name=/skip|todo/]", message: 'no skipped tests' }],
    },
  },
  {
    // Type-aware checks for TypeScript: a promise nobody awaits loses its error (and, in an
    // activity or workflow, its ordering); a promise where a callback returns void is the same mistake.
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['scripts/**/*.mjs', '*.mjs', '*.js', 'bin/*.js', 'test/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', module: 'writable', require: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  ...layers.flatMap(layerRules),
  {
    // Workflow code runs in Temporal's deterministic sandbox: no I/O, no Node built-ins, and
    // nothing of ours but its own folder; other layers only as types (erased at compile time).
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'child_process', 'crypto', '@azure/*', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'],
              message: 'workflow code must stay deterministic: do I/O in an activity',
            },
            { regex: '^\\.\\./', allowTypeImports: true, message: 'workflow code imports only @temporalio/workflow, its own folder and types' },
          ],
        },
      ],
    },
  },
);
