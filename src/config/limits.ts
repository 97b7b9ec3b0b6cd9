/**
 * Upper bounds for job configuration values, so a typo (cpu: 40, memory: 16384 meaning MB)
 * or an overflowing timer fails at validation with the field named, instead of at Azure
 * or, worse, silently. Sources are in docs/configuration.md ("Limits").
 */

/**
 * ACI's hard limits per container group ("Resource availability & quota limits for ACI",
 * learn.microsoft.com, 2025-11): standard and confidential SKUs allow up to 31 vCPU and
 * 240 GB (above 4 vCPU / 16 GB a region may need a quota increase); the V100 GPU SKUs
 * allow up to 24 vCPU and 448 GB with 4 GPUs.
 */
export const ACI_MAX_CPU = 31;
export const ACI_MAX_MEMORY_GB = 240;
export const ACI_MAX_GPU_MEMORY_GB = 448;
export const ACI_MAX_GPU_COUNT = 4;

/**
 * Node.js timers hold at most 2^31-1 ms (about 24.8 days); a longer delay is silently
 * replaced by 1 ms, which would turn a long timeout or poll interval into a busy loop.
 */
export const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/**
 * The JSON Schema pattern of text that must not be blank (image, resource group, ids):
 * it reaches the variables schema, whose checker words it as "must not be blank".
 */
export const NON_BLANK_PATTERN = '\\S';

/**
 * ARM's rule for resource group names (its own pattern is `^[-\w\._\(\)]+$`), not ending with
 * '.'. Written with `\w`, which Python's `re` reads too: Prefect checks a pool's variables
 * schema with it and refuses `\p{...}` classes. (In JavaScript `\w` is ASCII: names with
 * non-ASCII letters, which ARM would take, are refused.)
 */
export const ARM_RESOURCE_GROUP_NAME_MAX = 90;
export const ARM_RESOURCE_GROUP_NAME_PATTERN = '^[-\\w.()]*[-\\w()]$';
export const ARM_RESOURCE_GROUP_NAME_RULE = "must be a resource group name: 1 to 90 letters, digits, '-', '_', '.', '(' or ')', not ending with '.'";

/** A subscription id is a GUID (ARM refuses anything else; `..` or `/` would change the request's scope). */
export const GUID_PATTERN = '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$';
export const GUID_RULE = 'must be a subscription GUID such as 00000000-0000-0000-0000-000000000000';
