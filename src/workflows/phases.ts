import type { FlowRunPhase } from './definitions';

/** Every phase in order; a plain list so the CLI can offer it without loading the Temporal SDK. */
export const FLOW_RUN_PHASES = [
  'Deploying',
  'WaitingForStart',
  'Running',
  'CleaningUp',
  'Completed',
  'Failed',
  'Cancelled',
  'TimedOut',
] as const satisfies readonly FlowRunPhase[];
