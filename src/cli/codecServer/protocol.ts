/**
 * Temporal's codec-server protocol: POST /encode and /decode take and return
 * `{"payloads":[{"metadata":{"encoding":"<base64>"},"data":"<base64>"}]}` (the proto3 JSON
 * form of Payloads, bytes as base64).
 */
import type { Payload } from '@temporalio/common';
import { z } from 'zod';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

export const payloadsBodySchema = z.object({
  payloads: z.array(
    z.object({
      metadata: z.record(z.string(), base64).nullish(),
      data: base64.nullish(),
    }),
  ),
});

export type PayloadsBody = z.output<typeof payloadsBodySchema>;

export function payloadsFromJson(body: PayloadsBody): Payload[] {
  return body.payloads.map(({ metadata, data }) => ({
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([name, value]) => [name, bytes(value)])),
    data: bytes(data ?? ''),
  }));
}

export function payloadsToJson(payloads: Payload[]): PayloadsBody {
  return {
    payloads: payloads.map(({ metadata, data }) => ({
      metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([name, value]) => [name, Buffer.from(value).toString('base64')])),
      data: Buffer.from(data ?? new Uint8Array()).toString('base64'),
    })),
  };
}

function bytes(value: string): Uint8Array {
  return new Uint8Array(Buffer.from(value, 'base64'));
}
