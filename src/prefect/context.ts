/** What every part of the Prefect worker bridge works with. */
import type { Client } from '@temporalio/client';
import type { PrefectApi } from './api/client';
import type { Injection } from './jobVariables';

export interface BridgeContext {
  api: PrefectApi;
  temporal: Client;
  /** The Prefect work pool, and the aci-flow work pool (Temporal task queue) its runs go to. */
  workPool: string;
  injection: Injection;
  log: (message: string) => void;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
