/**
 * `arm_template_patches`: RFC 6902 JSON-Patch operations applied to the prepared template,
 * last, like the ECS worker's task customizations. A patch that does not apply stops the
 * run before anything is deployed, with the operation and the reason.
 */
import { applyOperation, deepClone, JsonPatchError, type Operation } from 'fast-json-patch';
import { ConfigError } from '../config/errors';
import type { JsonPatchOperation } from '../config/jobConfiguration';

/**
 * Applies the patches in order; `afterEach` sees the document after each one, so a check
 * that must hold throughout (no misplaced secret reference) names the patch that broke it.
 */
export function applyTemplatePatches(
  template: Record<string, unknown>,
  patches: readonly JsonPatchOperation[],
  afterEach: (document: Record<string, unknown>, index: number) => void = () => undefined,
): Record<string, unknown> {
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
    afterEach(document, index);
  });
  return document;
}

/**
 * The index of the last patch that wrote at, above or below `pointer` (or moved from it):
 * the one to blame for what the finished template holds there.
 */
export function lastPatchTouching(patches: readonly JsonPatchOperation[], pointer: string): number | undefined {
  const target = pointer.split('/');
  // One path lies inside the other; a patch's `-` (append) stands for whichever index it added.
  const overlaps = (path: string) => {
    const segments = path.split('/');
    const common = Math.min(segments.length, target.length);
    return segments.slice(0, common).every((segment, index) => segment === target[index] || (segment === '-' && /^\d+$/.test(target[index] ?? '')));
  };
  for (let index = patches.length - 1; index >= 0; index--) {
    const patch = patches[index]!;
    if (patch.op === 'test') continue;
    if (overlaps(patch.path) || (patch.op === 'move' && overlaps(patch.from))) return index;
  }
  return undefined;
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
      return err.message.split('\n')[0]!;
  }
}
