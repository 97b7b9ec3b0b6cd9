/** The polling heartbeat timeout from the worker's flag or environment; light, so `aci-flow --help` never loads the worker. */
import { DEFAULT_POLL_HEARTBEAT_TIMEOUT, POLL_HEARTBEAT_TIMEOUT_ENV } from './settings';
import { parseDurationMs } from './sweeperSettings';

/** Below this the heartbeats cost more than they buy; above it a dead worker's runs wait too long. */
const MIN_MS = 5_000;
const MAX_MS = 30 * 60_000;

/** Flag wins over the environment; `90s`, `4m`. */
export function pollHeartbeatTimeoutMs(flags: { heartbeatTimeout?: string }, env: NodeJS.ProcessEnv = process.env): number {
  const field = flags.heartbeatTimeout ? '--heartbeat-timeout' : POLL_HEARTBEAT_TIMEOUT_ENV;
  const ms = parseDurationMs(flags.heartbeatTimeout ?? env[POLL_HEARTBEAT_TIMEOUT_ENV] ?? DEFAULT_POLL_HEARTBEAT_TIMEOUT, field);
  if (ms < MIN_MS || ms > MAX_MS) throw new Error(`${field}: must be between 5s and 30m`);
  return ms;
}
