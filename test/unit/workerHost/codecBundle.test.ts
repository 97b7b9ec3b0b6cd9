import { randomBytes } from 'node:crypto';
import type { NativeConnection } from '@temporalio/worker';
import type { AciGateway } from '../../../src/azure/gateway';
import { defaultBaseJobTemplate } from '../../../src/config';
import { fixedPoolSource } from '../../../src/config/poolSource';
import { AesGcmCodec, encryptingDataConverter } from '../../../src/common/codec';
import { createFlowRunWorker } from '../../../src/workerHost';

describe('a worker that encrypts', () => {
  it('refuses a prebuilt workflow bundle, whose failure converter would leave workflow failure messages in clear text', async () => {
    const codec = new AesGcmCodec({ currentKeyId: 'k', keys: new Map([['k', randomBytes(32)]]) });
    // Refused before the connection or the gateway is used.
    const creation = createFlowRunWorker({
      workPool: 'p',
      pool: fixedPoolSource({ name: 'p', base_job_template: defaultBaseJobTemplate(), source: 'test' }),
      connection: {} as NativeConnection,
      gateway: {} as AciGateway,
      dataConverter: encryptingDataConverter(codec),
      workflowBundle: { codePath: '/prebuilt/workflow-bundle.js' },
    });
    await expect(creation).rejects.toThrow(/prebuilt workflow bundle has no failure converter/);
  });
});
