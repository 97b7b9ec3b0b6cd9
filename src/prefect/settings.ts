/**
 * The `PREFECT_WORKER_*` settings Prefect's worker reads, from the environment or the active
 * Prefect profile, with Prefect's defaults. Settings that have no counterpart in aci-flow are
 * still read and validated, and named at start with what aci-flow does instead: nothing a
 * Prefect user configured is silently ignored.
 */
import { z } from 'zod';
import { PrefectSettingsError } from './api/client';

/** Prefect's defaults (src/prefect/settings/models/worker.py of the pinned version). */
export const DEFAULT_QUERY_SECONDS = 10;
export const DEFAULT_HEARTBEAT_SECONDS = 30;
export const DEFAULT_PREFETCH_SECONDS = 10;
export const DEFAULT_WEBSERVER_HOST = '0.0.0.0';
export const DEFAULT_WEBSERVER_PORT = 8080;

export interface WorkerSettings {
  heartbeatSeconds: number;
  querySeconds: number;
  prefetchSeconds: number;
  webserverHost: string;
  webserverPort: number;
  /** PREFECT_WORKER_DEBUG_MODE: one log line per poll (what was taken, how many runs are held). */
  debugMode: boolean;
  /** Settings read but without effect here, each with the reason (logged at start). */
  notes: string[];
}

const seconds = z.coerce.number().positive();
const boolean = z
  .string()
  .transform((value) => value.trim().toLowerCase())
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off']))
  .transform((value) => ['true', '1', 'yes', 'on'].includes(value));

function read<T>(env: NodeJS.ProcessEnv, name: string, schema: z.ZodType<T>, fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const result = schema.safeParse(raw);
  if (!result.success) throw new PrefectSettingsError(name, `is "${raw}": ${result.error.issues[0]?.message ?? 'invalid'}`);
  return result.data;
}

/** `env` should already hold the active profile's settings (withActiveProfile). */
export function workerSettingsFromEnv(env: NodeJS.ProcessEnv): WorkerSettings {
  const notes: string[] = [];
  if (read(env, 'PREFECT_WORKER_ENABLE_CANCELLATION', boolean, false)) {
    notes.push('PREFECT_WORKER_ENABLE_CANCELLATION: always on in aci-flow (a cancelled Pending run is cancelled before or after its group exists)');
  }
  const cancellationPoll = read(env, 'PREFECT_WORKER_CANCELLATION_POLL_SECONDS', seconds, undefined as number | undefined);
  if (cancellationPoll !== undefined) {
    notes.push(
      `PREFECT_WORKER_CANCELLATION_POLL_SECONDS=${cancellationPoll}: aci-flow looks for Cancelling runs at every poll (PREFECT_WORKER_QUERY_SECONDS) instead`,
    );
  }
  return {
    heartbeatSeconds: read(env, 'PREFECT_WORKER_HEARTBEAT_SECONDS', seconds, DEFAULT_HEARTBEAT_SECONDS),
    querySeconds: read(env, 'PREFECT_WORKER_QUERY_SECONDS', seconds, DEFAULT_QUERY_SECONDS),
    prefetchSeconds: read(env, 'PREFECT_WORKER_PREFETCH_SECONDS', z.coerce.number().nonnegative(), DEFAULT_PREFETCH_SECONDS),
    webserverHost: read(env, 'PREFECT_WORKER_WEBSERVER_HOST', z.string().trim().min(1), DEFAULT_WEBSERVER_HOST),
    webserverPort: read(env, 'PREFECT_WORKER_WEBSERVER_PORT', z.coerce.number().int().min(0).max(65535), DEFAULT_WEBSERVER_PORT),
    debugMode: read(env, 'PREFECT_WORKER_DEBUG_MODE', boolean, false),
    notes,
  };
}
