import { defaultBaseJobTemplate } from '../../../src/config';
import type { PrefectApi } from '../../../src/prefect/api/client';
import { blockReferenceOf, BlockResolutionError, describeReference, resolveBlockReferences } from '../../../src/prefect/blocks';

describe('Prefect block references', () => {
  it('reads both forms Prefect writes: {"$ref": {"block_document_id"}} and {{ prefect.blocks.<type>.<name> }}', () => {
    expect(blockReferenceOf({ $ref: { block_document_id: 'b1' } })).toEqual({ kind: 'id', id: 'b1' });
    expect(blockReferenceOf('{{ prefect.blocks.azure-container-instance-credentials.my-creds }}')).toEqual({
      kind: 'name',
      type: 'azure-container-instance-credentials',
      name: 'my-creds',
    });
    expect(describeReference({ kind: 'name', type: 'acr-managed-identity', name: 'acr' })).toBe('block prefect.blocks.acr-managed-identity.acr');
  });

  it('leaves plain values alone and refuses a $ref it cannot follow', () => {
    expect(blockReferenceOf({ client_id: 'x' })).toBeUndefined();
    expect(blockReferenceOf('{{ image }}')).toBeUndefined();
    expect(blockReferenceOf('prefect.blocks.a.b')).toBeUndefined();
    expect(() => blockReferenceOf({ $ref: {} })).toThrow(BlockResolutionError);
  });

  it("refuses an aci_credentials block in a run's job variables before reading anything: a run cannot choose the worker's identity", async () => {
    // Prefect's own job-variable validation refuses this too; aci-flow does not rely on it.
    const api = {} as PrefectApi;
    await expect(resolveBlockReferences(api, defaultBaseJobTemplate(), { aci_credentials: { $ref: { block_document_id: 'b1' } } })).rejects.toThrow(
      /^aci_credentials: refers to Prefect block document b1 from the run's job variables; a run cannot choose the identity/,
    );
  });
});
