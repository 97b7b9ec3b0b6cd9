/**
 * Worker settings a flow run needs in its workflow code. The workflow reads them once through
 * a local activity, so the value is recorded in the run's history (replay sees the same) and
 * an operator changes it on the workers, not in workflow code.
 */
export interface RunSettings {
  /** Heartbeat timeout of waitForStart and watch; the worker heartbeats every 80 % of it. */
  pollHeartbeatTimeoutMs: number;
}

export function createRunSettingsActivities(settings: RunSettings) {
  async function runSettings(): Promise<RunSettings> {
    return { ...settings };
  }
  return { runSettings };
}

export type RunSettingsActivities = ReturnType<typeof createRunSettingsActivities>;

/**
 * The SDK sends at most one heartbeat per 80 % of the heartbeat timeout, but never less often
 * than its maxHeartbeatThrottleInterval (60 s by default): the worker raises that cap to this,
 * or a long timeout would still cost a heartbeat a minute.
 */
export function heartbeatThrottleMs(settings: RunSettings): number {
  return Math.floor(settings.pollHeartbeatTimeoutMs * 0.8);
}
