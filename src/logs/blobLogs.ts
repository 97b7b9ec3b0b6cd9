/**
 * Where a flow run's log lines live in Azure Blob Storage: one append blob per run,
 * `<container>/<workPool>/<flowRunId>.log`. Shared by the worker's blob sink (which writes)
 * and the client's `followLogs` (which reads), so both agree on the account and the name.
 */
import { z } from 'zod';
import { checkedFlowRunId } from './logFiles';

export const LOG_BLOB_URL_ENV = 'ACI_FLOW_LOG_BLOB_URL';
export const LOG_BLOB_CONNECTION_STRING_ENV = 'ACI_FLOW_LOG_BLOB_CONNECTION_STRING';
export const LOG_BLOB_CONTAINER_ENV = 'ACI_FLOW_LOG_BLOB_CONTAINER';
export const DEFAULT_LOG_BLOB_CONTAINER = 'aci-flow-logs';

/** Either an account URL (signed in with DefaultAzureCredential) or a connection string (Azurite, keys). */
export type BlobLogSettings = ({ accountUrl: string } | { connectionString: string }) & { container: string };

const envSchema = z.object({
  [LOG_BLOB_URL_ENV]: z.url({ protocol: /^https?$/, error: 'must be the account URL, e.g. https://myaccount.blob.core.windows.net' }).optional(),
  [LOG_BLOB_CONNECTION_STRING_ENV]: z
    .string()
    .regex(
      /(^|;)(BlobEndpoint|AccountName|UseDevelopmentStorage)=/i,
      'must be a storage connection string (AccountName=...;AccountKey=... or BlobEndpoint=...)',
    )
    .optional(),
  // Azure's container naming rule: 3-63 lowercase letters, digits and single hyphens.
  [LOG_BLOB_CONTAINER_ENV]: z
    .string()
    .regex(/^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/, 'must be 3-63 lowercase letters, digits and single hyphens, e.g. aci-flow-logs')
    .optional(),
});

/** The blob settings the environment asks for, or undefined when logs stay in local files. */
export function blobLogSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): BlobLogSettings | undefined {
  const present = Object.fromEntries(Object.keys(envSchema.shape).flatMap((key) => (env[key] ? [[key, env[key]]] : [])));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${String(issue?.path[0])} ${issue?.message ?? 'is invalid'}`);
  }
  const values = parsed.data;
  const container = values[LOG_BLOB_CONTAINER_ENV] ?? DEFAULT_LOG_BLOB_CONTAINER;
  const url = values[LOG_BLOB_URL_ENV];
  const connectionString = values[LOG_BLOB_CONNECTION_STRING_ENV];
  if (url !== undefined && connectionString !== undefined) {
    throw new Error(`${LOG_BLOB_URL_ENV} and ${LOG_BLOB_CONNECTION_STRING_ENV} are both set; set only one (the URL signs in with DefaultAzureCredential).`);
  }
  if (url !== undefined) return { accountUrl: url, container };
  if (connectionString !== undefined) return { connectionString, container };
  return undefined;
}

/** The account, for messages: the URL, or the connection string's endpoint — never its key. */
export function describeLogAccount(blob: BlobLogSettings): string {
  return 'accountUrl' in blob ? blob.accountUrl : (/BlobEndpoint=([^;]+)/i.exec(blob.connectionString)?.[1] ?? "the connection string's account");
}

/** `<workPool>/<flowRunId>.log`: both parts are checked so a name cannot reach another pool's folder. */
export function logBlobName(workPool: string, flowRunId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(workPool)) {
    throw new Error(`Work pool "${workPool}" cannot name a log blob folder; use letters, digits, ".", "_" and "-".`);
  }
  return `${workPool}/${checkedFlowRunId(flowRunId)}.log`;
}
