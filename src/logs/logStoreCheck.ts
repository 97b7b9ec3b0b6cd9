/**
 * The worker's look at its log store before it takes any run. Without it a store that refuses
 * every write (typically Azurite started without `--skipApiVersionCheck`, which rejects the
 * storage API version this SDK speaks) lets the worker start normally while every watch fails
 * and runs sit in Running.
 */
import { errorCodeOf, logContainerClient, statusCodeOf } from './blobContainer';
import { type BlobLogSettings, describeLogAccount, LOG_BLOB_CONNECTION_STRING_ENV, LOG_BLOB_URL_ENV } from './blobLogs';

/** Creates the log container if missing (what the first run would do); throws naming the fix when the store refuses. */
export async function checkLogStore(settings: BlobLogSettings): Promise<void> {
  const where = `log container ${settings.container} in ${describeLogAccount(settings)}`;
  try {
    await logContainerClient(settings).createIfNotExists();
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    if (statusCodeOf(err) === 400 && errorCodeOf(err) === 'InvalidHeaderValue' && /API version/i.test(message)) {
      throw new Error(
        `the ${where} refuses this worker's storage API version (${message.trim()}). ` +
          'Azurite: start it with --skipApiVersionCheck (as aci-flow demo and docker-compose.yml do), or upgrade it.',
      );
    }
    throw new Error(
      `cannot use the ${where}: ${message}. Check ${LOG_BLOB_URL_ENV} / ${LOG_BLOB_CONNECTION_STRING_ENV}, that the account is ` +
        "reachable, and that the worker's identity has Storage Blob Data Contributor on it.",
    );
  }
}
