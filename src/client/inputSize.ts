/**
 * Temporal refuses a workflow start whose input payload is over the server's blob size limit
 * (2 MiB by default, `limit.blobSize.error`), with an error that names no field. Checking
 * here says which field made the input large, before anything is sent.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { FlowRunInput } from '../workflows/definitions';
import { InvalidFlowRunOptionsError } from './errors';

export const MAX_WORKFLOW_INPUT_BYTES = 2 * 1024 * 1024;

export function assertInputFitsPayloadLimit(input: FlowRunInput, limitBytes = MAX_WORKFLOW_INPUT_BYTES): void {
  const size = payloadBytes(input);
  if (size <= limitBytes) return;
  const [largest, largestSize] = Object.entries(input.values)
    .map(([field, value]) => [field, payloadBytes(value)] as const)
    .reduce((a, b) => (b[1] > a[1] ? b : a), ['values', 0] as const);
  throw new InvalidFlowRunOptionsError(
    'input',
    `the workflow input is ${size} bytes, over Temporal's payload limit of ${limitBytes} bytes (blob size limit); ` +
      `its largest field is ${largest} (${largestSize} bytes): shrink it, e.g. keep large files in the image or a mounted volume`,
  );
}

function payloadBytes(value: unknown): number {
  return defaultPayloadConverter.toPayload(value ?? null)?.data?.length ?? 0;
}
