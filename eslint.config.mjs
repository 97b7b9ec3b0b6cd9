import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of docs/architecture.md, lowest first. A module imports only from its own layer
 * or below; `beside` layers (the emulator, the local services) are imported by the CLI, tests and the benchmark only.
 * Each entry lists the src/ folders its files must not import (type-only imports included,
 * unless `typesFrom` allows them, as workflow code may name activity types).
 */
const layers = [
  {
    folder: 'common',
    forbidden: [
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
      'cli',
      'emulator',
      'localServices',
    ],
  },
  {
    folder: 'config',
    forbidden: [
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
      'cli',
      'emulator',
      'localServices',
    ],
  },
  {
    folder: 'template',
    forbidden: ['budget', 'azure', 'logs', 'polling', 'activities', 'workflows', 'workerHost', 'worker', 'client', 'cli', 'emulator', 'localServices'],
  },
  // The ARM budget knows nothing of Azure's SDK clients or of what a request is for beyond its kind and priority.
  {
    folder: 'budget',
    forbidden: [
      'config',
      'template',
      'azure',
      'logs',
      'polling',
      'activities',
      'workflows',
      'workerHost',
      'worker',
      'client',
      'cli',
      'emulator',
      'localServices',
    ],
  },
  { folder: 'azure', forbidden: ['logs', 'polling', 'activities', 'workflows', 'workerHost', 'worker', 'client', 'cli', 'emulator', 'localServices'] },
  {
    folder: 'logs',
    forbidden: ['template', 'budget', 'azure', 'polling', 'activities', 'workflows', 'workerHost', 'worker', 'client', 'cli', 'emulator', 'localServices'],
  },
  // The poll schedule follows the read budget's rate; it never calls Azure itself.
  {
    folder: 'polling',
    forbidden: ['template', 'azure', 'logs', 'activities', 'workflows', 'workerHost', 'worker', 'client', 'cli', 'emulator', 'localServices'],
  },
  // Activities share the workflow's definitions (failure types, input shape), nothing else of it.
  { folder: 'activities', forbidden: ['workflows/(?!definitions$)', 'workerHost', 'worker', 'client', 'cli', 'emulator', 'localServices'] },
  // The wiring sits below its entry point, src/worker.ts, which imports it.
  { folder: 'workerHost', forbidden: ['worker', 'client', 'cli', 'emulator', 'localServices'] },
  { file: 'worker.ts', forbidden: ['client', 'cli', 'emulator', 'localServices'] },
  { folder: 'client', forbidden: ['budget', 'azure', 'polling', 'activities', 'workerHost', 'worker', 'cli', 'emulator', 'localServices'] },
  // The Prefect bridge is an orchestrator: it starts and watches runs through the client library only.
  {
    folder: 'prefect',
    forbidden: ['budget', 'azure', 'logs', 'polling', 'activities', 'workflows/(?!definitions$)', 'workerHost', 'worker', 'cli', 'emulator', 'localServices'],
  },
  {
    folder: 'emulator',
    forbidden: [
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
      'cli',
      'localServices',
    ],
  },
  // The launcher of local services (dev server, Azurite, Prefect server) registers the search attributes, nothing else of ours.
  {
    folder: 'localServices',
    forbidden: [
      'common',
      'config',
      'template',
      'budget',
      'azure',
      'logs',
      'polling',
      'activities',
      'workflows/(?!definitions$)',
      'workerHost',
      'worker',
      'client',
      'prefect',
      'cli',
      'emulator',
    ],
  },
];

/**
 * One rule per folder depth, so `../` counts exactly up to src/ (src/emulator/template is not src/template);
 * a layer that is one file at the top of src/ (the worker's entry point) imports with `./`.
 */
function layerRules({ folder, file, forbidden }) {
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
