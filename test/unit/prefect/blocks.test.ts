import { blockReferenceOf, BlockResolutionError, describeReference } from '../../../src/prefect/blocks';

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
});
