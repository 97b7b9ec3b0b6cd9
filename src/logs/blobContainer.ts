/** The SDK client of the log container; kept apart from the settings so reading them loads no Azure SDK. */
import { DefaultAzureCredential } from '@azure/identity';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import type { BlobLogSettings } from './blobLogs';

export function logContainerClient(settings: BlobLogSettings): ContainerClient {
  const service =
    'connectionString' in settings
      ? BlobServiceClient.fromConnectionString(settings.connectionString)
      : new BlobServiceClient(settings.accountUrl, new DefaultAzureCredential());
  return service.getContainerClient(settings.container);
}

/** The HTTP status of an Azure SDK error (RestError), if it has one. */
export function statusCodeOf(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** Azure's error code of an SDK error (x-ms-error-code), e.g. BlockCountExceedsLimit. */
export function errorCodeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
