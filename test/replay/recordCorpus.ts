/**
 * Records the replay corpus of this release: one closed flow-run history per outcome row of
 * the README table, plus a cancel while deploying, an abandoned cleanup and max_run_seconds,
 * written to test/replay/histories/<package version>/<row>.json (replayCorpus.test.ts replays
 * every release's folder, so histories of older releases keep guarding their runs in flight).
 *
 *   npm run record-replay-corpus
 *
 * Runs every scenario at once on a local stack (dev server, emulator, in-process worker), and a
 * second stack whose emulator keeps deployments running for the cancel while deploying.
 * Replaces this release's folder only, so a row that was removed leaves no stale history behind.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { cancelFlowRun } from '../../src/client/flowRunCancel';
import { hintFlowRunExited } from '../../src/client/flowRunExitHint';
import { startFlowRun } from '../../src/client/flowRuns';
import { cancelSignal, exitedSignal } from '../../src/workflows/definitions';
import { packageVersion } from '../../src/workerHost/packageVersion';
import { WORKFLOW_BUNDLE_ENV } from '../../src/workerHost/settings';
import { prepareTestFlowRun, startTestFlowRun, waitForStatus } from '../helpers/flowRuns';
import { startStack, type Stack, TEST_SUBSCRIPTION_ID } from '../helpers/stack';

const CORPUS_DIR = resolve(__dirname, 'histories');

type Scenario = (stack: Stack) => Promise<WorkflowHandle>;

const long = "sh -c 'echo started; sleep 60'";

/** Row name → how to produce a closed run of that row. Names are the files' names. */
const SCENARIOS: Record<string, Scenario> = {
  'exit-0': async (stack) => (await startTestFlowRun(stack, { values: { command: "sh -c 'echo one; echo two'" } })).handle,
  'exit-0-keep-container-group': async (stack) =>
    (await startTestFlowRun(stack, { values: { command: "sh -c 'echo kept'", keep_container_group: true } })).handle,
  'exit-nonzero': async (stack) => (await startTestFlowRun(stack, { values: { command: "sh -c 'echo one; exit 3'" } })).handle,
  'exit-nonzero-keep-failed-container-group': async (stack) =>
    (await startTestFlowRun(stack, { values: { command: "sh -c 'exit 3'", keep_failed_container_group: true } })).handle,
  'never-starts-timeout': async (stack) =>
    (await startTestFlowRun(stack, { values: { image: 'example/never-starts:1', command: 'echo never', task_start_timeout_seconds: 2 } })).handle,
  'image-pull-fails': async (stack) => (await startTestFlowRun(stack, { values: { image: 'registry.example/does-not-exist:1', command: 'echo hi' } })).handle,
  'bad-template': async (stack) =>
    (
      await startTestFlowRun(stack, {
        values: { command: 'echo hi', arm_template_patches: [{ op: 'remove', path: '/resources/0/properties/containers/0/properties/image' }] },
      })
    ).handle,
  'cancel-signal-while-running': async (stack) => {
    const { handle } = await startTestFlowRun(stack, { values: { command: long } });
    await waitForStatus(handle, (status) => status.phase === 'Running', 60_000);
    await handle.signal(cancelSignal, { reason: 'corpus: bare signal' });
    return handle;
  },
  'workflow-cancel-while-waiting-for-start': async (stack) => {
    const { handle } = await startTestFlowRun(stack, { values: { image: 'example/never-starts:1', command: 'echo never', task_start_timeout_seconds: 60 } });
    await waitForStatus(handle, (status) => status.phase === 'WaitingForStart', 60_000);
    await handle.cancel();
    return handle;
  },
  'cancel-flow-run-while-running': async (stack) => {
    const { handle, flowRunId } = await startTestFlowRun(stack, { values: { command: long } });
    await waitForStatus(handle, (status) => status.phase === 'Running', 60_000);
    await cancelFlowRun(stack.client, flowRunId, 'corpus: cancelFlowRun');
    return handle;
  },
  'group-deleted-mid-run': async (stack) => {
    const { handle } = await startTestFlowRun(stack, { flowName: 'vanishing-flow', values: { command: long } });
    await waitForStatus(handle, (status) => status.phase === 'Running', 60_000);
    stack.emulator.setFaults({ vanish: { afterMs: 0, match: { name: 'vanishing-flow' } } });
    return handle;
  },
  // A hint while the container still runs: the watch restarts hinted, sees Running, and the run goes on.
  'exit-hint-while-running': async (stack) => {
    const { handle } = await startTestFlowRun(stack, { values: { command: "sh -c 'echo started; sleep 4; echo done'" } });
    await waitForStatus(handle, (status) => status.phase === 'Running', 60_000);
    await handle.signal(exitedSignal, { source: 'container' });
    return handle;
  },
  // A hint (the update, as hintFlowRunExited sends it) after the exit, on a run polled once a minute.
  'exit-hint-after-exit': async (stack) => {
    const { handle, flowRunId } = await startTestFlowRun(stack, { values: { command: "sh -c 'echo one; sleep 2; echo two'", task_watch_poll_interval: 60 } });
    const { containerGroupName, resourceGroupName } = await waitForStatus(handle, (status) => status.phase === 'Running', 60_000);
    const ref = { subscriptionId: TEST_SUBSCRIPTION_ID, resourceGroupName, containerGroupName };
    await waitUntilAsync(async () => (await stack.gateway.getContainerGroup(ref))?.containers[0]?.currentState?.state === 'Terminated');
    await hintFlowRunExited(stack.client, flowRunId, { source: 'container' });
    return handle;
  },
  'max-run-seconds': async (stack) => (await startTestFlowRun(stack, { values: { command: long, max_run_seconds: 2 } })).handle,
  'cleanup-abandoned': async (stack) => {
    const prepared = prepareTestFlowRun(stack, { values: { command: "sh -c 'echo done'", cleanup_timeout_seconds: 3 } });
    stack.emulator.setFaults({ deleteFails: { match: { name: prepared.input.names.containerGroupName } } });
    return (await startFlowRun(stack.client, prepared)).handle;
  },
};

/** Needs an emulator whose deployments stay Running long enough to be cancelled. */
const CANCEL_WHILE_DEPLOYING: Scenario = async (stack) => {
  const { handle } = await startTestFlowRun(stack, { values: { command: long } });
  await waitForStatus(handle, (status) => status.phase === 'Deploying', 60_000);
  // The deployment PUT has reached the emulator once the group exists there.
  await waitUntil(() => stack.emulator.containerGroups().length > 0);
  await handle.signal(cancelSignal, { reason: 'corpus: cancel while deploying' });
  return handle;
};

async function waitUntil(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the deployment to reach the emulator');
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));
  }
}

async function waitUntilAsync(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the container to exit');
    await new Promise((resolveWait) => setTimeout(resolveWait, 200));
  }
}

async function record(stack: Stack, scenarios: Record<string, Scenario>, histories: Map<string, string>): Promise<void> {
  await Promise.all(
    Object.entries(scenarios).map(async ([name, scenario]) => {
      const handle = await scenario(stack);
      await handle.result().catch(() => undefined);
      histories.set(name, historyToJSON(await handle.fetchHistory()));
      process.stdout.write(`recorded ${name}\n`);
    }),
  );
}

async function main(): Promise<void> {
  // The bundle `npm run build` wrote: workers load it instead of bundling at start.
  process.env[WORKFLOW_BUNDLE_ENV] ??= resolve(__dirname, '..', '..', 'dist', 'workflow-bundle.js');
  const histories = new Map<string, string>();
  const main = await startStack({ workPool: 'replay-corpus' });
  const deploying = await startStack({ workPool: 'replay-corpus-deploying', emulator: { deploymentDelayMs: 20_000 } });
  try {
    await Promise.all([main.startWorker(), deploying.startWorker()]);
    await Promise.all([record(main, SCENARIOS, histories), record(deploying, { 'cancel-while-deploying': CANCEL_WHILE_DEPLOYING }, histories)]);
  } finally {
    await Promise.all([main.close(), deploying.close()]);
  }
  const releaseDir = join(CORPUS_DIR, packageVersion());
  rmSync(releaseDir, { recursive: true, force: true });
  mkdirSync(releaseDir, { recursive: true });
  for (const [name, json] of [...histories].sort()) writeFileSync(join(releaseDir, `${name}.json`), `${json}\n`);
  process.stdout.write(`${histories.size} histories in ${releaseDir}\n`);
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
