import { Client, Connection, ServiceError } from '@temporalio/client';
import { ConfigError, parsePoolConfig } from '../../../src/config';
import { InvalidFlowRunOptionsError, prepareFlowRun, startFlowRun } from '../../../src/client';
import { freePort } from '../../../src/localServices';

/**
 * A client whose server does not exist: any RPC would fail with a connection error,
 * so an input error proves the input was rejected before anything was sent.
 */
async function clientWithoutServer(): Promise<Client> {
  const port = await freePort();
  return new Client({ connection: Connection.lazy({ address: `127.0.0.1:${port}`, connectTimeout: 500 }) });
}

const pool = parsePoolConfig(
  {
    name: 'demo-pool',
    type: 'azure-container-instance',
    base_job_template: {
      job_configuration: {
        image: '{{ image }}',
        command: '{{ command }}',
        resource_group_name: 'rg',
        subscription_id: '00000000-0000-0000-0000-000000000000',
      },
      variables: {
        type: 'object',
        properties: {
          image: { type: 'string', default: 'busybox:1.36' },
          command: { type: 'string', default: 'echo hi' },
        },
      },
    },
  },
  'inline pool',
);

describe('startFlowRun input validation', () => {
  it('rejects a variable the pool does not declare before contacting Temporal', async () => {
    const client = await clientWithoutServer();
    await expect(startFlowRun(client, { workPool: 'demo-pool', flowName: 'etl', flowRunId: 'r1', pool, values: { imagee: 'x' } })).rejects.toThrow(ConfigError);
    await expect(startFlowRun(client, { workPool: 'demo-pool', flowName: 'etl', flowRunId: 'r1', pool, values: { imagee: 'x' } })).rejects.toThrow(/imagee/);
  });

  it('rejects a flow run id with characters a workflow id should not carry, naming the field', async () => {
    const client = await clientWithoutServer();
    const attempt = startFlowRun(client, { workPool: 'demo-pool', flowName: 'etl', flowRunId: 'has space', pool });
    await expect(attempt).rejects.toThrow(InvalidFlowRunOptionsError);
    await expect(startFlowRun(client, { workPool: 'demo-pool', flowName: 'etl', flowRunId: 'has space', pool })).rejects.toThrow(/^flowRunId: /);
  });

  it('rejects an empty flow name', async () => {
    const client = await clientWithoutServer();
    await expect(startFlowRun(client, { workPool: 'demo-pool', flowName: '  ', pool })).rejects.toThrow(/^flowName: must not be empty/);
  });

  it("refuses an input over Temporal's payload limit before sending it, naming the largest field", async () => {
    const client = await clientWithoutServer();
    const huge = { command: `echo ${'a'.repeat(3 * 1024 * 1024)}` };
    const attempt = startFlowRun(client, { workPool: 'demo-pool', flowName: 'etl', flowRunId: 'r1', pool, values: huge });
    await expect(attempt).rejects.toThrow(InvalidFlowRunOptionsError);
    await expect(startFlowRun(client, { workPool: 'demo-pool', flowName: 'etl', flowRunId: 'r1', pool, values: huge })).rejects.toThrow(
      /^input: the workflow input is \d+ bytes, over Temporal's payload limit of 2097152 bytes .*largest field is command/,
    );
    // One MiB fits: the limit is Temporal's, not a smaller one of ours.
    expect(() =>
      prepareFlowRun({ workPool: 'demo-pool', flowName: 'etl', flowRunId: 'r1', pool, values: { command: `echo ${'a'.repeat(1024 * 1024)}` } }),
    ).not.toThrow();
  });

  it('goes on to contact Temporal once the input is valid', async () => {
    const client = await clientWithoutServer();
    const attempt = client.withDeadline(Date.now() + 200, () => startFlowRun(client, { workPool: 'demo-pool', flowName: 'etl', flowRunId: 'r1', pool }));
    // The RPC itself failed (no server), so validation let the start through.
    await expect(attempt).rejects.toThrow(ServiceError);
    await expect(attempt).rejects.toThrow('Failed to start Workflow');
  });
});

describe('prepareFlowRun', () => {
  it('fixes the Azure names in the workflow input, so the workflow never computes them', () => {
    const prepared = prepareFlowRun({ workPool: 'demo-pool', flowName: 'ETL: nightly', flowRunId: 'Run_1', pool });
    expect(prepared.input.names).toEqual({
      containerGroupName: expect.stringMatching(/^etl-nightly-run-1-[0-9a-v]{16}$/),
      containerName: 'etl-nightly',
      deploymentName: `aci-flow-${prepared.containerGroupName}`,
    });
    expect(prepared.input.names.containerGroupName).toBe(prepared.containerGroupName);
  });
});
