/**
 * Exit hints (docs/workflow.md, "Exit hints"): a sign that the container has probably exited
 * — the `exited` signal or the `exitHint` update, from the Prefect bridge, the container's
 * orchestrator or anyone — makes the run's next state poll immediate. An activity cannot
 * receive a signal, so while the run is Running a taken hint cancels the current watch
 * attempt (TRY_CANCEL: the workflow does not wait for it) and starts a hinted one, whose first
 * poll goes ahead of every other run at the worker's next free read. ARM stays the source of
 * truth: the hinted watch ends only when the state it reads says Terminated.
 *
 * A hint before Running is remembered and makes the watch's first poll immediate; once the
 * exit was seen it is ignored. Restarts are bounded (MAX_HINTED_WATCHES per run, none within
 * HINT_SPACING_MS of the last, when the hinted poll is still on its way), so a noisy sender
 * cannot grow the history; a refused `exitHint` update is not recorded in the history at all.
 */
import { CancellationScope, log, setHandler } from '@temporalio/workflow';
import type * as activities from '../activities';
import { exitedSignal, type ExitHint, type ExitHintReceipt, exitHintSourceOf, type ExitHintSource, exitHintUpdate, type FlowRunStatus } from './definitions';

type WatchOutput = activities.WatchOutput;

/** Hinted watch attempts a run may start; more hints change nothing (the last hinted watch polls on). */
export const MAX_HINTED_WATCHES = 3;
/** A hinted watch polls within a second or two: a hint this soon after the last restart is one it already answers. */
export const HINT_SPACING_MS = 5_000;

export interface ExitHints {
  /**
   * Runs `watchOnce` until the container's exit is seen, restarting it hinted when a hint is
   * taken. `watchOnce` gets the source of the hint that started this attempt, if any.
   */
  watchUntilExit(watchOnce: (hint: ExitHintSource | undefined) => Promise<WatchOutput>): Promise<WatchOutput>;
}

/** Installs the `exited` signal and the `exitHint` update on the run. */
export function acceptExitHints(status: FlowRunStatus): ExitHints {
  /** A hint taken before the watch began: its first attempt is hinted. */
  let pending: ExitHintSource | undefined;
  /** Set while a watch attempt runs: starts the next one, hinted. */
  let restart: ((source: ExitHintSource) => void) | undefined;
  let hintedWatches = 0;
  let lastRestartAt = -Infinity;
  /** The watch is over (the exit seen, or it failed): no poll is left to hurry. */
  let watchOver = false;

  const refusal = (): string | undefined => {
    switch (status.phase) {
      case 'Deploying':
      case 'WaitingForStart':
        return undefined;
      case 'Running':
        if (watchOver) return "the container's exit was already seen";
        if (!restart) return undefined;
        if (hintedWatches >= MAX_HINTED_WATCHES) return `this run took its ${MAX_HINTED_WATCHES} exit hints; its watch keeps polling`;
        if (Date.now() - lastRestartAt < HINT_SPACING_MS) return 'a hinted poll of this run is already on its way';
        return undefined;
      default:
        return "the container's exit was already seen";
    }
  };
  const counts = () => (status.exitHints ??= { taken: 0, ignored: 0 });
  const take = (source: ExitHintSource): ExitHintReceipt => {
    const reason = refusal();
    if (reason !== undefined) {
      counts().ignored += 1;
      log.info('Exit hint ignored', { source, reason, phase: status.phase });
      return { taken: false, phase: status.phase, reason };
    }
    counts().taken += 1;
    counts().lastSource = source;
    if (restart) {
      hintedWatches += 1;
      lastRestartAt = Date.now();
      restart(source);
    } else {
      pending = source;
    }
    return { taken: true, phase: status.phase };
  };

  setHandler(exitedSignal, (hint) => void take(exitHintSourceOf(hint)));
  setHandler(exitHintUpdate, (hint) => take(exitHintSourceOf(hint)), {
    validator: (_hint?: ExitHint) => {
      const reason = refusal();
      if (reason !== undefined) throw new Error(reason);
    },
  });

  return {
    async watchUntilExit(watchOnce) {
      const first = pending;
      pending = undefined;
      try {
        return await watchAgainOnHints(watchOnce, first);
      } finally {
        watchOver = true;
      }
    },
  };

  /** One watch attempt after another: a taken hint cancels the current one and starts a hinted one. */
  async function watchAgainOnHints(watchOnce: (hint: ExitHintSource | undefined) => Promise<WatchOutput>, first: ExitHintSource | undefined) {
    let hint = first;
    for (;;) {
      const attempt = new CancellationScope();
      const watched = attempt.run(() => watchOnce(hint));
      const hinted = new Promise<ExitHintSource>((resolve) => (restart = resolve));
      try {
        const next = await Promise.race([watched.then((output) => ({ output })), hinted.then((source) => ({ source }))]);
        if ('output' in next) return next.output;
        hint = next.source;
      } finally {
        restart = undefined;
      }
      // The old attempt stops at its next heartbeat; its log lines and the new attempt's share one index.
      attempt.cancel();
      watched.catch(() => undefined);
    }
  }
}
