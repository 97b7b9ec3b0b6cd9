/**
 * The Azure SDKs that read a run's log blobs are optional peer dependencies of the client
 * package: an orchestrator that never reads blob logs does not install them (77 MB with what
 * they pull in, measured in the README).
 * They load here, on the first blob read, and their absence becomes an error naming the fix.
 */
import type { BlobLogSettings } from '../logs/blobLogs';
import type { LogLineSource } from '../logs/lineSplitter';

/** The packages blobContainer.ts loads; the client package lists both as optional peers. */
export const BLOB_LOG_PEER_DEPENDENCIES = ['@azure/storage-blob', '@azure/identity'] as const;

/** A blob log reader for one run's log, loading the Azure SDKs on first use. */
export async function openBlobLogReader(settings: BlobLogSettings, blobName: string): Promise<LogLineSource> {
  const [{ logContainerClient }, { BlobLogLineReader }, { logSegments }] = await Promise.all([
    import('../logs/blobContainer'),
    import('../logs/blobLogReader'),
    import('../logs/logSegments'),
  ]).catch((err: unknown) => {
    throw asMissingBlobSdk(err);
  });
  return new BlobLogLineReader(logSegments(logContainerClient(settings), blobName));
}

/** Replaces "Cannot find module '@azure/…'" with what to install; any other error passes through. */
export function asMissingBlobSdk(err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const message = err instanceof Error ? err.message : '';
  const missing = BLOB_LOG_PEER_DEPENDENCIES.find((name) => message.includes(`'${name}'`));
  if ((code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') || !missing) return err;
  return new Error(
    `reading flow-run logs from Azure Blob Storage needs ${missing}, an optional peer dependency that is not installed: ` +
      `run \`npm install ${BLOB_LOG_PEER_DEPENDENCIES.join(' ')}\`, or leave the blob settings ` +
      '(ACI_FLOW_LOG_BLOB_URL / ACI_FLOW_LOG_BLOB_CONNECTION_STRING) unset to read the local log files',
    { cause: err },
  );
}
