import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { nth } from '../../helpers/must';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');

interface Case {
  file: string;
  code: string;
}

/**
 * Lints snippets as if they stood at `file`, with the project's own eslint.config.mjs, in one child
 * process. Type information is switched off: the files do not exist for the TypeScript project
 * service, and the layer rules read import paths only.
 */
function ruleIdsFor(cases: Case[]): string[][] {
  const script = `
    const { ESLint } = require('eslint');
    const tseslint = require('typescript-eslint');
    (async () => {
      const eslint = new ESLint({ cwd: process.cwd(), overrideConfig: [tseslint.configs.disableTypeChecked] });
      const cases = JSON.parse(process.argv[1]);
      const out = [];
      for (const c of cases) {
        const [result] = await eslint.lintText(c.code, { filePath: c.file });
        out.push(result.messages.map((m) => m.ruleId ?? m.message));
      }
      process.stdout.write(JSON.stringify(out));
    })();`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script, JSON.stringify(cases)], { cwd: REPO_ROOT, encoding: 'utf8' }));
}

const restricted = '@typescript-eslint/no-restricted-imports';

describe('layering rules (docs/architecture.md) enforced by lint', () => {
  const cases: Array<Case & { flagged: boolean; why: string }> = [
    {
      why: 'activities may not import the client',
      file: 'src/activities/x.ts',
      code: "import { followLogs } from '../client/flowRunLogs';\nexport const f = followLogs;\n",
      flagged: true,
    },
    {
      why: 'the worker may not import the CLI',
      file: 'src/workerHost/x.ts',
      code: "import { main } from '../cli/main';\nexport const f = main;\n",
      flagged: true,
    },
    {
      why: 'the entry point may not import the CLI',
      file: 'src/worker.ts',
      code: "import { main } from './cli/main';\nexport const f = main;\n",
      flagged: true,
    },
    {
      why: 'the wiring sits below its entry point',
      file: 'src/workerHost/x.ts',
      code: "import { runWorker } from '../worker';\nexport const f = runWorker;\n",
      flagged: true,
    },
    {
      why: 'activities sit below the worker wiring',
      file: 'src/activities/x.ts',
      code: "import { createFlowRunWorker } from '../workerHost';\nexport const f = createFlowRunWorker;\n",
      flagged: true,
    },
    {
      why: 'the ARM budget sits below the gateway',
      file: 'src/budget/x.ts',
      code: "import { createGateway } from '../azure/credentials';\nexport const f = createGateway;\n",
      flagged: true,
    },
    {
      why: 'the poll schedule sits below the activities',
      file: 'src/polling/x.ts',
      code: "import { createActivities } from '../activities';\nexport const f = createActivities;\n",
      flagged: true,
    },
    {
      why: 'the client does not import the poll schedule',
      file: 'src/client/x.ts',
      code: "import { createPollScheduler } from '../polling/pollScheduler';\nexport const f = createPollScheduler;\n",
      flagged: true,
    },
    {
      why: 'the poll schedule may import the ARM budget',
      file: 'src/polling/x.ts',
      code: "import { DEFAULT_ARM_LIMITS } from '../budget/rateLimiter';\nexport const f = DEFAULT_ARM_LIMITS;\n",
      flagged: false,
    },
    {
      why: 'the gateway may import the ARM budget',
      file: 'src/azure/x.ts',
      code: "import { ArmRateLimiter } from '../budget/rateLimiter';\nexport const f = ArmRateLimiter;\n",
      flagged: false,
    },
    {
      why: 'the entry point may import its wiring',
      file: 'src/worker.ts',
      code: "import { runWorker } from './workerHost/runWorker';\nexport const f = runWorker;\n",
      flagged: false,
    },
    {
      why: 'config sits below template',
      file: 'src/config/x.ts',
      code: "import { prepareDeployment } from '../template/prepare';\nexport const f = prepareDeployment;\n",
      flagged: true,
    },
    {
      why: 'the client may not import the emulator',
      file: 'src/client/x.ts',
      code: "import { startEmulator } from '../emulator';\nexport const f = startEmulator;\n",
      flagged: true,
    },
    {
      why: 'workflow code may not import Node built-ins',
      file: 'src/workflows/x.ts',
      code: "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n",
      flagged: true,
    },
    {
      why: 'workflow code may not import other layers at run time',
      file: 'src/workflows/x.ts',
      code: "import { prepareDeployment } from '../template/prepare';\nexport const f = prepareDeployment;\n",
      flagged: true,
    },
    {
      why: 'a nested emulator folder is not src/template',
      file: 'src/emulator/containers/x.ts',
      code: "import { materializeTemplate } from '../template/materialize';\nexport const f = materializeTemplate;\n",
      flagged: false,
    },
    {
      why: 'workflow code may import activity types',
      file: 'src/workflows/x.ts',
      code: "import type * as activities from '../activities';\nexport type A = typeof activities;\n",
      flagged: false,
    },
    {
      why: 'activities may import the shared workflow definitions',
      file: 'src/activities/x.ts',
      code: "import { FailureTypes } from '../workflows/definitions';\nexport const f = FailureTypes;\n",
      flagged: false,
    },
    {
      why: 'the CLI may import the emulator',
      file: 'src/cli/commands/x.ts',
      code: "import { startEmulator } from '../../emulator';\nexport const f = startEmulator;\n",
      flagged: false,
    },
    {
      why: 'the CLI demo may launch local services',
      file: 'src/cli/demo/x.ts',
      code: "import { startDevServer } from '../../localServices';\nexport const f = startDevServer;\n",
      flagged: false,
    },
    {
      why: 'the client may not import the local services launcher',
      file: 'src/client/x.ts',
      code: "import { startAzurite } from '../localServices';\nexport const f = startAzurite;\n",
      flagged: true,
    },
    {
      why: 'the worker wiring may not import the local services launcher',
      file: 'src/workerHost/x.ts',
      code: "import { startDevServer } from '../localServices/devServer';\nexport const f = startDevServer;\n",
      flagged: true,
    },
    {
      why: 'the local services launcher may not import the worker wiring',
      file: 'src/localServices/x.ts',
      code: "import { createFlowRunWorker } from '../workerHost';\nexport const f = createFlowRunWorker;\n",
      flagged: true,
    },
    {
      why: 'the local services launcher may import the search attribute definitions',
      file: 'src/localServices/x.ts',
      code: "import { ALL_SEARCH_ATTRIBUTES } from '../workflows/definitions';\nexport const f = ALL_SEARCH_ATTRIBUTES;\n",
      flagged: false,
    },
  ];

  it('flags every import that runs the wrong way, and only those', () => {
    const results = ruleIdsFor(cases);
    const verdicts = cases.map((c, index) => ({ why: c.why, flagged: nth(results, index).includes(restricted) }));
    expect(verdicts).toEqual(cases.map((c) => ({ why: c.why, flagged: c.flagged })));
  });
});
