/**
 * `arm_template_patches`: RFC 6902 JSON-Patch operations applied to the prepared template,
 * last, like the ECS worker's task customizations. A patch that does not apply stops the
 * run before anything is deployed, with the operation and the reason.
 */
import { applyOperation, deepClone, JsonPatchError, type Operation } from 'fast-json-patch';
import { ConfigError } from '../config/errors';
import type { JsonPatchOperation } from '../config/jobConfiguration';

export function applyTemplatePatches(template: Record<string, unknown>, patches: readonly JsonPatchOperation[]): Record<string, unknown> {
  let document = deepClone(template) as Record<string, unknown>;
  patches.forEach((patch, index) => {
    try {
      document = applyOperation(document, patch as Operation, true, true, true, index).newDocument;
    } catch (err) {
      const reason = err instanceof JsonPatchError ? describePatchError(err) : (err as Error).message;
      throw new ConfigError(
        `arm_template_patches[${index}]`,
        `${patch.op} at ${patch.path === '' ? '(root)' : patch.path} does not apply: ${reason}; check the path against the prepared template (aci-flow render shows it)`,
      );
    }
  });
  return document;
}

function describePatchError(err: InstanceType<typeof JsonPatchError>): string {
  switch (err.name) {
    case 'OPERATION_PATH_UNRESOLVABLE':
    case 'OPERATION_PATH_CANNOT_ADD':
      return 'the path does not exist in the template';
    case 'OPERATION_FROM_UNRESOLVABLE':
      return 'the "from" path does not exist in the template';
    case 'TEST_OPERATION_FAILED':
      return 'the test failed: the value at the path differs';
    default:
      return err.message.split('\n')[0];
  }
}
