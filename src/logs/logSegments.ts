/**
 * A run's log is a chain of append blobs: `<name>`, then `<name>.1`, `<name>.2`, … Azure caps
 * an append blob at 50,000 blocks (about 69 h of output at one block per 5 s poll), so a
 * long run continues in the next segment. A writer seals a full segment before anything is
 * appended to the next, and a sealed blob takes no more appends, so the chain read in order
 * is the log; a reader moves on when the segment it has read to the end is sealed.
 */
import type { AppendBlobClient, ContainerClient } from '@azure/storage-blob';

/** Azure's limit on the blocks of one append blob, for every service version. */
export const MAX_BLOCKS_PER_APPEND_BLOB = 50_000;

/** Segment `index` of one run's log. */
export type LogSegments = (index: number) => AppendBlobClient;

export function logSegments(container: ContainerClient, name: string): LogSegments {
  return (index) => container.getAppendBlobClient(index === 0 ? name : `${name}.${index}`);
}
