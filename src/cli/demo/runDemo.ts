/**
 * `aci-flow demo`: everything aci-flow does, on one laptop, with no Azure account. Starts
 * the Temporal dev server (with its Web UI), the local ACI emulator, Azurite for the logs
 * (unless ACI_FLOW_LOG_BLOB_* names an account) and a worker, runs one sample flow run whose
 * container prints a few lines, streams them from the log blob, prints the final status,
 * and keeps the UI up until Ctrl-C.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { loadPoolConfig, renderJobConfiguration } from '../../config';
import { fixedPoolSource } from '../../config/poolSource';
import type { FlowRunStatus } from '../../workflows/definitions';
import { BlobLogLineReader } from '../../logs/blobLogReader';
import { logBlobName } from '../../logs/blobLogs';
import { logSegments } from '../../logs/logSegments';
import type { LogLineSource } from '../../logs/lineSplitter';
import { getFlowRunStatus, startFlowRun } from '../../client';
import { formatStatus } from '../flowRunText';
import { closeAll, type Closer, installDemoRuntime, startLocalStack } from './localStack';
import { phasesInHistory } from './phases';

export const DEMO_FLOW_NAME = 'hello-aci';
/** Prints over a few seconds and exits 0, so every phase is visible in the UI. */
export const DEMO_COMMAND = `sh -c 'for i in 1 2 3 4 5; do echo "step $i of 5"; sleep 1; done; echo "done"'`;

export interface DemoOptions {
  poolConfigPath: string;
  /** Stop everything once the run has finished instead of keeping the UI up (CI, tests). */
  exitWhenDone: boolean;
  /** Preferred ports; taken ones are replaced by free ones. */
  port: number;
  uiPort: number;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  write: (line: string) => void;
}

/** Runs the demo and resolves with the sample run's final status once everything is shut down. */
export async function runDemo(options: DemoOptions): Promise<FlowRunStatus | undefined> {
  const { write, signal } = options;
  const closers: Closer[] = [];
  installDemoRuntime();
  try {
    const pool = await loadPoolConfig(options.poolConfigPath);
    const workPool = pool.name ?? 'demo-pool';
    const values = { command: DEMO_COMMAND, stream_output: true };
    const { resource_group_name: resourceGroup } = renderJobConfiguration(pool.base_job_template, values);
    const { client, logContainer, workflowUrl, uiUrl } = await startLocalStack(
      { workPool, pool: fixedPoolSource(pool), resourceGroups: [resourceGroup], port: options.port, uiPort: options.uiPort, write },
      closers,
    );
    if (signal.aborted) return undefined;

    const started = await startFlowRun(client, {
      workPool,
      flowName: DEMO_FLOW_NAME,
      flowRunId: `demo-${randomUUID().slice(0, 8)}`,
      pool,
      values,
    });
    write('');
    write(`Started flow run ${started.flowRunId}`);
    write(`  in the UI: ${workflowUrl(started.workflowId)}`);
    const logSegmentsOfRun = logSegments(logContainer, logBlobName(workPool, started.flowRunId));
    write(`  container logs (${logSegmentsOfRun(0).url}) and phases:`);

    await printProgress(client, started.handle, new BlobLogLineReader(logSegmentsOfRun), signal, write);
    if (signal.aborted) return undefined;

    const status = await getFlowRunStatus(client, started.flowRunId);
    write('');
    write(`Phases: ${(await phasesInHistory(started.handle)).join(' → ')}`);
    write(formatStatus(status));
    write('');
    if (!options.exitWhenDone) {
      write(`The Temporal UI stays up at ${uiUrl} — press Ctrl-C to stop everything.`);
      await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    }
    return status;
  } finally {
    write('Shutting down the worker, the emulator and the dev server ...');
    await closeAll(closers, write);
  }
}

/**
 * Log lines and phases as they happen, until the run has finished. Phases come from the
 * history, so none is missed however short; the history is read before the log blob, so
 * lines written before the run left Running are printed before the phases that follow.
 */
async function printProgress(client: Client, handle: WorkflowHandle, logs: LogLineSource, signal: AbortSignal, write: (line: string) => void): Promise<void> {
  let finished = false;
  // The long poll for the result must end with Ctrl-C, before the connection closes under it.
  const settled = client
    .withAbortSignal(signal, () => handle.result())
    .then(
      () => (finished = true),
      () => (finished = true),
    );
  let phasesPrinted = 0;
  try {
    for (;;) {
      const lastRound = finished;
      const phases = await phasesInHistory(handle);
      const lines = await logs.readLines();
      // Container lines belong to the Running phase: phases up to it come first, later ones after.
      const running = phases.indexOf('Running');
      const splitAt = running === -1 ? phases.length : Math.max(phasesPrinted, running + 1);
      for (const phase of phases.slice(phasesPrinted, splitAt)) write(`  phase: ${phase}`);
      for (const line of lines) write(`    | ${line}`);
      for (const phase of phases.slice(splitAt)) write(`  phase: ${phase}`);
      phasesPrinted = phases.length;
      if (lastRound || signal.aborted) break;
      await Promise.race([settled, sleep(250, undefined, { signal }).catch(() => undefined)]);
    }
    const unfinishedLine = logs.takeUnfinishedLine();
    if (unfinishedLine !== undefined) write(`    | ${unfinishedLine}`);
  } finally {
    await logs.close();
  }
}
