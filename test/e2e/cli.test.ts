import { resolve } from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { loadPoolConfig } from '../../src/config';
import { freePort } from '../../src/localServices';
import { ExitCodes } from '../../src/cli/output';
import { containerGroupNameFor } from '../../src/template/naming';
import { workflowIdForFlowRun } from '../../src/workflows/definitions';
import { startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/waitFor';
import { runCli, startArgs } from './cliProcess';

const POOL_CONFIG = 'examples/pool.yaml';

describe('aci-flow CLI against a dev server, the emulator and a worker', () => {
  let stack: Stack;
  let env: NodeJS.ProcessEnv;
  const cli = (...args: string[]) => runCli(args, env);
  /** `aci-flow start` of flow `flow` as run `runId` on the stack's pool, then `more`. */
  const start = (flow: string, runId: string, ...more: string[]) => cli(...startArgs({ workPool: stack.workPool, flow, runId }, ...more));
  const uniqueId = (label: string) => `${label}-${Date.now().toString(36)}`;

  beforeAll(async () => {
    // The worker renders from the same pool file the CLI starts runs with.
    stack = await startStack({ pool: await loadPoolConfig(resolve(__dirname, '../..', POOL_CONFIG)) });
    await stack.startWorker();
    env = { TEMPORAL_ADDRESS: stack.env.address, TEMPORAL_NAMESPACE: 'default', ACI_FLOW_LOG_DIR: stack.logDir, ACI_FLOW_POOL_CONFIG: '' };
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  /** Through `aci-flow status`, as a user would watch it; each poll is a CLI process, hence the longer interval. */
  async function waitForPhase(flowRunId: string, phase: string): Promise<void> {
    let last = '';
    await waitFor(
      async () => {
        const result = await cli('status', flowRunId, '--json');
        last = result.stdout + result.stderr;
        return result.code === 0 && JSON.parse(result.stdout).phase === phase;
      },
      `flow run ${flowRunId} to reach ${phase}`,
      { intervalMs: 500, lastSeen: () => last },
    );
  }

  it('lists every command in --help and exits 0', async () => {
    const result = await cli('--help');
    expect(result.code).toBe(0);
    for (const command of ['start', 'cancel', 'status', 'list', 'logs', 'worker', 'emulator', 'demo']) {
      expect(result.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
  });

  it('start, logs, status and list follow one flow run from start to completion', async () => {
    const flowRunId = uniqueId('cli-ok');
    const started = await start('cli-etl', flowRunId, '--set', `command=sh -c 'echo first; sleep 1; echo second'`, '--set', 'stream_output=true', '--json');
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    expect(JSON.parse(started.stdout)).toEqual({
      flowRunId,
      workflowId: workflowIdForFlowRun(flowRunId),
      workPool: stack.workPool,
      alreadyStarted: false,
    });

    const logs = await cli('logs', flowRunId, '--follow');
    expect(logs.code).toBe(0);
    expect(logs.stdout).toBe('first\nsecond\n');

    const status = await cli('status', flowRunId, '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      flowRunId,
      flowName: 'cli-etl',
      workPool: stack.workPool,
      phase: 'Completed',
      exitCode: 0,
      containerGroupName: containerGroupNameFor('cli-etl', flowRunId),
      resourceGroupName: 'aci-flow-demo',
    });
    const human = await cli('status', flowRunId);
    expect(human.stdout).toMatch(/^Phase\s+Completed$/m);

    const listed = await cli('list', '--pool', stack.workPool, '--phase', 'Completed', '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ flowRunId, phase: 'Completed', workflowStatus: 'COMPLETED', exitCode: 0 })]),
    );
    const table = await cli('list', '--pool', stack.workPool);
    expect(table.stdout).toMatch(new RegExp(`^${flowRunId}\\s+cli-etl\\s+${stack.workPool}\\s+Completed\\s+0\\s`, 'm'));
  });

  it('start with the same run id again reports the existing run instead of starting a second one', async () => {
    const flowRunId = uniqueId('cli-twice');
    const first = await start('twice', flowRunId, '--json', '--set', `command=sh -c 'sleep 2'`);
    const second = await start('twice', flowRunId, '--json', '--set', `command=sh -c 'sleep 2'`);
    expect(JSON.parse(first.stdout).alreadyStarted).toBe(false);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).alreadyStarted).toBe(true);
    const executions = [];
    for await (const execution of stack.client.workflow.list({ query: `WorkflowId = '${workflowIdForFlowRun(flowRunId)}'` })) {
      executions.push(execution);
    }
    expect(executions).toHaveLength(1);
  });

  it('start --wait exits 1 and shows the exit code when the container fails', async () => {
    const flowRunId = uniqueId('cli-fail');
    const result = await start('failing', flowRunId, '--set', `command=sh -c 'echo about to fail; exit 3'`, '--wait');
    expect(result.code).toBe(ExitCodes.failure);
    expect(result.stdout).toMatch(/^Phase\s+Failed$/m);
    expect(result.stdout).toMatch(/^Exit code\s+3$/m);
    expect(result.stderr).toContain(`flow run ${flowRunId} ended Failed`);

    // stream_output is off in this pool unless set, so the worker recorded no lines for this run.
    const logs = await cli('logs', flowRunId);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toBe('');
    expect(logs.stderr).toContain(`no log lines recorded at ${stack.logDir}/${flowRunId}.log`);
  });

  it('cancel stops a running flow run, which closes Canceled with its reason in status; a second cancel exits 1', async () => {
    const flowRunId = uniqueId('cli-cancel');
    await start('long', flowRunId, '--set', `command=sh -c 'sleep 120'`);
    await waitForPhase(flowRunId, 'Running');
    const cancelled = await cli('cancel', flowRunId, '--reason', 'test cancels it');
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain(`Cancel accepted while Running for flow run ${flowRunId}`);
    await waitForPhase(flowRunId, 'Cancelled');
    const handle = stack.client.workflow.getHandle(workflowIdForFlowRun(flowRunId));
    await waitFor(async () => (await handle.describe()).status.name === 'CANCELLED', 'the workflow to close Canceled');
    // Closed Canceled, the reason still shows: status reads it from the run's memo.
    const final = await cli('status', flowRunId);
    expect(final.stdout).toMatch(/Phase\s+Cancelled/);
    expect(final.stdout).toMatch(/Cancel requested\s+test cancels it \(while Running\)/);
    expect(final.stdout).toContain('Flow run cancelled: test cancels it');
    const again = await cli('cancel', flowRunId);
    expect(again.code).toBe(ExitCodes.failure);
    expect(again.stderr).toContain('has already finished');
  });

  it('rejects a variable the pool does not have with exit 2, naming it, and starts nothing', async () => {
    const flowRunId = uniqueId('cli-bad');
    const result = await start('etl', flowRunId, '--set', 'imagee=busybox');
    expect(result.code).toBe(ExitCodes.usage);
    expect(result.stderr).toMatch(/imagee: is not a variable of this work pool/);
    await expect(stack.client.workflow.getHandle(workflowIdForFlowRun(flowRunId)).describe()).rejects.toThrow(WorkflowNotFoundError);
  });

  it('rejects a literal secret in the environment with exit 2 before anything starts', async () => {
    const result = await start('etl', uniqueId('cli-secret'), '--set', 'env={"PREFECT_API_KEY": "pnu_literal_value"}');
    expect(result.code).toBe(ExitCodes.usage);
    expect(result.stderr).toContain('PREFECT_API_KEY');
    expect(result.stderr).not.toContain('pnu_literal_value');
  });

  it('checks the input before connecting: bad input exits 2 even when Temporal is unreachable', async () => {
    const unreachable = { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` };
    const result = await runCli(['start', '--pool-config', POOL_CONFIG, '--flow', 'etl', '--set', 'cpu=-1'], unreachable);
    expect(result.code).toBe(ExitCodes.usage);
    expect(result.stderr).toMatch(/cpu/);
    expect(result.stderr).not.toMatch(/cannot connect/);
  });

  it('exits 1 and says how to point at a cluster when Temporal is unreachable', async () => {
    const unreachable = { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` };
    const result = await runCli(['status', 'any-run'], unreachable);
    expect(result.code).toBe(ExitCodes.failure);
    expect(result.stderr).toContain(`cannot connect to Temporal at ${unreachable.TEMPORAL_ADDRESS}`);
    expect(result.stderr).toContain('TEMPORAL_ADDRESS');
    // Said at once, not after the gRPC client's 10-second connect timeout.
    expect(result.stderr).toContain('connection refused');
  });

  it('exits 2 when no pool config is given by flag or environment', async () => {
    const result = await cli('start', '--flow', 'etl');
    expect(result.code).toBe(ExitCodes.usage);
    expect(result.stderr).toContain('--pool-config <file> is required');
  });

  it('exits 2 when a required option is missing', async () => {
    const result = await cli('start', '--pool-config', POOL_CONFIG);
    expect(result.code).toBe(ExitCodes.usage);
    expect(result.stderr).toContain("required option '--flow <name>' not specified");
  });

  it.each([['status'], ['cancel'], ['logs']])('%s of an unknown run exits 3 with a clear message', async (command) => {
    const result = await cli(command, 'no-such-run');
    expect(result.code).toBe(ExitCodes.notFound);
    expect(result.stderr).toContain('flow run "no-such-run" not found in namespace "default"');
  });

  // Last: these stop the worker.
  it('status answers for finished and waiting runs while no worker is running', async () => {
    const finishedId = uniqueId('cli-noworker-done');
    const done = await start('quick', finishedId, '--set', `command=sh -c 'exit 0'`, '--wait');
    expect(done.code).toBe(0);
    await stack.stopWorker();

    const finished = await cli('status', finishedId, '--json');
    expect(finished.code).toBe(0);
    expect(JSON.parse(finished.stdout)).toMatchObject({ flowRunId: finishedId, phase: 'Completed', exitCode: 0 });

    const waitingId = uniqueId('cli-noworker-new');
    expect((await start('queued', waitingId)).code).toBe(0);
    const waiting = await cli('status', waitingId, '--json');
    expect(waiting.code).toBe(0);
    expect(JSON.parse(waiting.stdout)).toMatchObject({
      flowRunId: waitingId,
      flowName: 'queued',
      phase: 'Deploying',
      containerGroupName: `queued-${waitingId}`,
      resourceGroupName: 'aci-flow-demo',
    });
  });
});
