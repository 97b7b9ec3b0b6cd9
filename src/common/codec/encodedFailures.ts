/**
 * The failure converter of every client and worker that encrypts: failure messages and stack
 * traces move into an encoded attribute, so the payload codec encrypts them too. Loaded by
 * path (DataConverter.failureConverterPath), also into the workflow bundle, so it stays
 * sandbox-safe: nothing here but @temporalio/common.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
