import { z } from 'zod';

/**
 * Fault injection. A matcher selects container groups; every field is a case-insensitive
 * substring, or a glob when it contains `*` or `?`. An empty matcher `{}` selects every group.
 */
export const GroupMatcherSchema = z
  .object({
    resourceGroup: z.string().min(1).optional(),
    name: z.string().min(1).optional(),
    image: z.string().min(1).optional(),
  })
  .strict();
export type GroupMatcher = z.infer<typeof GroupMatcherSchema>;

const TokenBucketSchema = z
  .object({
    capacity: z.number().int().positive(),
    refillPerSecond: z.number().positive(),
  })
  .strict();
export type TokenBucketConfig = z.infer<typeof TokenBucketSchema>;

/** ARM's documented per-subscription buckets (https://aka.ms/arm-throttling). */
export const ARM_DEFAULT_BUCKETS = {
  reads: { capacity: 250, refillPerSecond: 25 },
  writes: { capacity: 200, refillPerSecond: 10 },
  deletes: { capacity: 200, refillPerSecond: 10 },
} as const satisfies Record<string, TokenBucketConfig>;

export const FaultConfigSchema = z
  .object({
    /** Containers stay Waiting with a Pulling event forever; the deployment itself succeeds. */
    neverStart: GroupMatcherSchema.optional(),
    /** The deployment fails with InaccessibleImage; no group is created. */
    imagePullFailure: GroupMatcherSchema.optional(),
    /** The deployment fails with ContainerGroupQuotaReached; no group is created. */
    quotaExceeded: GroupMatcherSchema.optional(),
    /** DELETE answers 202 and the group disappears only after `seconds`. */
    slowDelete: z.object({ seconds: z.number().nonnegative(), match: GroupMatcherSchema.optional() }).strict().optional(),
    /**
     * DELETE of matching container groups answers 403 AuthorizationFailed (as when the
     * worker's identity lacks the delete permission) until the fault is switched off.
     */
    deleteFails: z.object({ match: GroupMatcherSchema.optional() }).strict().optional(),
    /** The next `count` ARM calls fail with `statusCode`. Counts down as calls fail. */
    serverErrors: z
      .object({
        count: z.number().int().nonnegative(),
        statusCode: z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]).default(500),
      })
      .strict()
      .optional(),
    /** ARM-shaped token buckets per subscription; a missing class uses ARM's default bucket. */
    throttling: z
      .object({
        reads: TokenBucketSchema.optional(),
        writes: TokenBucketSchema.optional(),
        deletes: TokenBucketSchema.optional(),
      })
      .strict()
      .optional(),
    /** Matching groups are removed `afterMs` after they were created (or after this fault was set, if later). */
    vanish: z.object({ afterMs: z.number().nonnegative(), match: GroupMatcherSchema.optional() }).strict().optional(),
  })
  .strict();
/** What callers write (defaults optional). */
export type FaultConfig = z.input<typeof FaultConfigSchema>;
/** The validated faults in force, defaults filled in. */
export type ActiveFaults = z.output<typeof FaultConfigSchema>;

/**
 * Merges a PATCH body into the current faults: each top-level key replaces the current
 * value and `null` switches that fault off. The result is validated as a whole.
 */
export function applyFaultPatch(current: ActiveFaults, patch: unknown, source: string): ActiveFaults {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    throw new Error(`Invalid fault configuration in ${source}: (root): expected a JSON object`);
  }
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return parseFaultConfig(merged, source);
}

export interface GroupIdentity {
  resourceGroup: string;
  name: string;
  images: string[];
}

export function matchesGroup(matcher: GroupMatcher | undefined, group: GroupIdentity): boolean {
  if (!matcher) return false;
  if (matcher.resourceGroup && !matchesPattern(matcher.resourceGroup, group.resourceGroup)) return false;
  if (matcher.name && !matchesPattern(matcher.name, group.name)) return false;
  if (matcher.image && !group.images.some((image) => matchesPattern(matcher.image as string, image))) return false;
  return true;
}

function matchesPattern(pattern: string, value: string): boolean {
  const p = pattern.toLowerCase();
  const v = value.toLowerCase();
  if (!/[*?]/.test(p)) return v.includes(p);
  const regex = p
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(v);
}

/** Reads a FaultConfig, with an error that names the offending field. */
export function parseFaultConfig(input: unknown, source: string): ActiveFaults {
  const result = FaultConfigSchema.safeParse(input);
  if (!result.success) throw new Error(`Invalid fault configuration in ${source}: ${describeIssues(result.error)}`);
  return result.data;
}

export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`).join('; ');
}
