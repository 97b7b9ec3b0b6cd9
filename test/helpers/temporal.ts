import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporalCliPath } from '../../src/cli/demo/temporalCli';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/workflows/definitions';

export interface DevServerOptions {
  /** Serve the Temporal Web UI on this port (0 = none). */
  uiPort?: number;
  /** Search attributes to register (default: all of aci-flow's). */
  searchAttributes?: typeof ALL_SEARCH_ATTRIBUTES;
}

/**
 * A real Temporal dev server from the provisioned CLI binary, with aci-flow's search
 * attributes registered. createLocal() would download a binary, which fails offline.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      searchAttributes: options.searchAttributes ?? ALL_SEARCH_ATTRIBUTES,
      ...(options.uiPort ? { ui: true, uiPort: options.uiPort } : {}),
      extraArgs: ['--log-level', 'error'],
    },
  });
}
