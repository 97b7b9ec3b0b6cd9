/**
 * `arm_template_patches`: RFC 6902 JSON-Patch operations applied to the prepared template,
 * last, like the ECS worker's task customizations. A patch that does not apply stops the
 * run before anything is deployed, with the operation and the reason.
 */
import { applyOperation, deepClone, getValueByPointer, JsonPatchError, type Operation } from 'fast-json-patch';
import { ConfigError } from '../config/errors';
import type { JsonPatchOperation } from '../config/jobConfiguration';
import { pathsMentioningSecretRefs } from '../config/secretReferences';
import { callsFunction } from './armExpressions';

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
    requirePatchAllowed(document, patch, index);
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
 * What no patch may do, whatever the template: write an expression calling deployment(),
 * which returns the deployment's own template and parameters (it could copy a secret into a
 * tag), or copy/move a value holding a secret reference, which would carry a secret the pool
 * put in one place (a registry password) to another (an env value the run's container reads).
 */
function requirePatchAllowed(document: Record<string, unknown>, patch: JsonPatchOperation, index: number): void {
  if ('value' in patch && callsFunction(patch.value, 'deployment')) {
    throw new ConfigError(
      `arm_template_patches[${index}]`,
      "writes an expression that calls deployment(), which exposes the deployment's template and parameters; patches may not use it",
    );
  }
  if (patch.op !== 'test' && patch.path !== '') {
    // Beside a secret, e.g. a registry credential's server: its password would go wherever the patch points.
    const parentPointer = patch.path.slice(0, patch.path.lastIndexOf('/'));
    const key = patch.path
      .slice(patch.path.lastIndexOf('/') + 1)
      .replace(/~1/g, '/')
      .replace(/~0/g, '~');
    const parent = safeValueAt(document, parentPointer);
    if (parent !== null && typeof parent === 'object' && !Array.isArray(parent)) {
      const siblings = Object.entries(parent as Record<string, unknown>).filter(([name]) => name !== key);
      if (siblings.some(([, value]) => pathsMentioningSecretRefs(value).length > 0)) {
        throw new ConfigError(
          `arm_template_patches[${index}]`,
          `${patch.op} at ${patch.path} changes an entry that carries a secret reference (${parentPointer}); replace the whole entry, with its own secretref:NAME, instead`,
        );
      }
    }
  }
  if (patch.op === 'copy' || patch.op === 'move') {
    let source: unknown;
    try {
      source = getValueByPointer(document, patch.from);
    } catch {
      return; // A missing source is reported by applyOperation, with the patch named.
    }
    if (pathsMentioningSecretRefs(source).length > 0) {
      throw new ConfigError(
        `arm_template_patches[${index}]`,
        `${patch.op}s from ${patch.from}, which holds a secret reference; a secret stays where the pool put it (write a new secretref:NAME instead)`,
      );
    }
  }
}

function safeValueAt(document: Record<string, unknown>, pointer: string): unknown {
  try {
    return getValueByPointer(document, pointer);
  } catch {
    return undefined;
  }
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
