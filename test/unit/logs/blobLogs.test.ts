import { blobLogSettingsFromEnv, logBlobName } from '../../../src/logs/blobLogs';

describe('log blob settings and names', () => {
  it('names the blob <pool>/<flowRunId>.log and refuses parts that could reach another folder', () => {
    expect(logBlobName('my-pool', 'run-1')).toBe('my-pool/run-1.log');
    expect(() => logBlobName('../other', 'run-1')).toThrow('Work pool "../other" cannot name a log blob folder');
    expect(() => logBlobName('my-pool', 'a/b')).toThrow('Flow run id "a/b" cannot name a log file');
  });

  it('keeps logs in files when no account is configured', () => {
    expect(blobLogSettingsFromEnv({})).toBeUndefined();
    expect(blobLogSettingsFromEnv({ ACI_FLOW_LOG_BLOB_CONTAINER: 'logs' })).toBeUndefined();
  });

  it('reads an account URL (DefaultAzureCredential) or a connection string, with the default container', () => {
    expect(blobLogSettingsFromEnv({ ACI_FLOW_LOG_BLOB_URL: 'https://acct.blob.core.windows.net' })).toEqual({
      accountUrl: 'https://acct.blob.core.windows.net',
      container: 'aci-flow-logs',
    });
    const connectionString = 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;';
    expect(blobLogSettingsFromEnv({ ACI_FLOW_LOG_BLOB_CONNECTION_STRING: connectionString, ACI_FLOW_LOG_BLOB_CONTAINER: 'run-logs' })).toEqual({
      connectionString,
      container: 'run-logs',
    });
  });

  it('names the variable that is wrong and says what it must be', () => {
    expect(() => blobLogSettingsFromEnv({ ACI_FLOW_LOG_BLOB_URL: 'acct.blob.core.windows.net' })).toThrow(
      'ACI_FLOW_LOG_BLOB_URL must be the account URL, e.g. https://myaccount.blob.core.windows.net',
    );
    expect(() => blobLogSettingsFromEnv({ ACI_FLOW_LOG_BLOB_URL: 'https://a.example', ACI_FLOW_LOG_BLOB_CONTAINER: 'Bad_Name' })).toThrow(
      'ACI_FLOW_LOG_BLOB_CONTAINER must be 3-63 lowercase letters, digits and single hyphens',
    );
    expect(() => blobLogSettingsFromEnv({ ACI_FLOW_LOG_BLOB_CONNECTION_STRING: 'secret' })).toThrow(
      'ACI_FLOW_LOG_BLOB_CONNECTION_STRING must be a storage connection string',
    );
    expect(() =>
      blobLogSettingsFromEnv({ ACI_FLOW_LOG_BLOB_URL: 'https://a.example', ACI_FLOW_LOG_BLOB_CONNECTION_STRING: 'AccountName=a;AccountKey=b' }),
    ).toThrow('ACI_FLOW_LOG_BLOB_URL and ACI_FLOW_LOG_BLOB_CONNECTION_STRING are both set; set only one');
  });
});
