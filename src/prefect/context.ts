/** What every part of the Prefect worker bridge works with. */
import type { Client } from '@temporalio/client';
import type { FollowLogsOptions } from '../client/flowRunLogs';
import type { PrefectApi } from './api/client';
import type { Injection } from './jobVariables';

export interface BridgeContext {
  api: PrefectApi;
  temporal: Client;
  /** The Prefect work pool, and the aci-flow work pool (Temporal task queue) its runs go to. */
  workPool: string;
  /** The worker's name in Prefect (its heartbeats, events and log lines). */
  workerName: string;
  injection: Injection;
  /** Where the aci-flow workers record container log lines (forwarded to the flow run's logs in Prefect). */
  logSource: Pick<FollowLogsOptions, 'blob' | 'logDir'>;
  log: (message: string) => void;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
