import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { defaultPayloadConverter, type PayloadCodec, type Payload } from '@temporalio/common';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow';
import { lastPollErrorOf } from '../../../src/client/pollError';

const pollError = { message: 'get container group failed: AuthorizationFailed (HTTP 403): no access', at: '2024-05-01T10:00:05.000Z', attempts: 3 };

/** Reverses payload bytes: stands in for an encrypting codec. */
const reversingCodec: PayloadCodec = {
  encode: async (payloads) => payloads.map((payload) => ({ ...payload, data: payload.data && Uint8Array.from(payload.data).reverse() })),
  decode: async (payloads) => payloads.map((payload) => ({ ...payload, data: payload.data && Uint8Array.from(payload.data).reverse() })),
};

function clientWith(codecs: PayloadCodec[] = []): Client {
  return { options: { loadedDataConverter: loadDataConverter({ payloadCodecs: codecs }) } } as unknown as Client;
}

async function describing(activities: Array<{ type: string; details?: unknown; codec?: PayloadCodec }>): Promise<Pick<WorkflowExecutionDescription, 'raw'>> {
  const pendingActivities = await Promise.all(
    activities.map(async ({ type, details, codec }) => {
      const payloads: Payload[] = details === undefined ? [] : [defaultPayloadConverter.toPayload(details)];
      return { activityType: { name: type }, heartbeatDetails: { payloads: codec ? await codec.encode(payloads) : payloads } };
    }),
  );
  return { raw: { pendingActivities } } as unknown as Pick<WorkflowExecutionDescription, 'raw'>;
}

describe('lastPollErrorOf', () => {
  it("reads the error streak from the pending watch activity's heartbeat details, next to its log cursor", async () => {
    const description = await describing([{ type: 'watch', details: { linesEmitted: 4, linesAtLastTimestamp: 1, lastPollError: pollError } }]);
    await expect(lastPollErrorOf(clientWith(), description)).resolves.toEqual(pollError);
  });

  it("decodes the details with the client's payload codec (encrypted payloads)", async () => {
    const description = await describing([{ type: 'waitForStart', details: { lastPollError: pollError }, codec: reversingCodec }]);
    await expect(lastPollErrorOf(clientWith([reversingCodec]), description)).resolves.toEqual(pollError);
  });

  it('is absent while polls succeed, for other activities, and for details it cannot decode', async () => {
    const description = await describing([
      { type: 'watch', details: { linesEmitted: 4, linesAtLastTimestamp: 1 } },
      { type: 'deploy', details: { lastPollError: pollError } },
      { type: 'waitForStart' },
      { type: 'watch', details: { lastPollError: pollError }, codec: reversingCodec },
    ]);
    await expect(lastPollErrorOf(clientWith(), description)).resolves.toBeUndefined();
  });
});
