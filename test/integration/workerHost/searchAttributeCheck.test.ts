/**
 * A worker on a namespace without aci-flow's search attributes refuses to start, naming the
 * missing ones and the command that registers them, instead of every start failing later.
 */
import { createFlowRunWorker } from '../../../src/workerHost';
import { MissingSearchAttributesError } from '../../../src/workerHost/searchAttributeCheck';
import { ALL_SEARCH_ATTRIBUTES, searchAttributes } from '../../../src/workflows/definitions';
import { fixedPoolSource } from '../../../src/config/poolSource';
import { sharedWorkflowBundle, testPool } from '../../helpers/stack';
import { startDevServer, type TestDevServer } from '../../helpers/temporal';

jest.setTimeout(60_000);

describe('search attributes checked at worker start', () => {
  let env: TestDevServer;

  beforeAll(async () => {
    const withoutTwo = ALL_SEARCH_ATTRIBUTES.filter((key) => key !== searchAttributes.phase && key !== searchAttributes.cleanupState);
    env = await startDevServer({ searchAttributes: withoutTwo });
  });

  afterAll(async () => {
    await env?.teardown();
  });

  it('refuses to start, naming the missing attributes and the command that registers them', async () => {
    const started = createFlowRunWorker({
      workPool: 'sa-check',
      pool: fixedPoolSource(testPool('sa-check')),
      connection: env.nativeConnection,
      namespace: 'default',
      // Never used: the worker stops before it talks to Azure.
      gateway: {} as never,
      workflowBundle: sharedWorkflowBundle(),
    });
    await expect(started).rejects.toThrow(MissingSearchAttributesError);
    const error = (await started.catch((err: unknown) => err)) as MissingSearchAttributesError;
    expect(error.missing).toEqual(['Phase', 'CleanupState']);
    expect(error.message).toContain('temporal operator search-attribute create --namespace default --name Phase --type Keyword');
    expect(error.message).toContain('temporal operator search-attribute create --namespace default --name CleanupState --type Keyword');
    expect(error.message).not.toContain('--name FlowRunId');
  });
});
