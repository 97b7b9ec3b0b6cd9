/**
 * The Azure names of one flow run: container group, container and deployment.
 *
 * Computed once by the client before the workflow starts and carried in its input, so a
 * later change here never changes what an old run cleans up; the deploy activity checks
 * the input's names against these before creating anything.
 *
 * ACI container group and container names: 1–63 characters, lowercase letters, digits and
 * single hyphens, not starting or ending with a hyphen. Deployment names: at most 64.
 *
 * Group names are injective over (flow name, flow run id), so one run can never reach
 * another's group. A name is either
 * - plain, `<flow name>-<run id>`, when both are already slugs and the pair can be read
 *   back from the name unambiguously (see isPlain), or
 * - hashed, `<flow slug>-<run slug>-<hash>`, the slugs shortened to fit and the hash 16
 *   base-32 characters (80 bits) of SHA-256 over the exact pair.
 * A plain name never ends with a 16-character part, so plain and hashed names never meet,
 * and two hashed names meet only if SHA-256 truncated to 80 bits collides.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../config/errors';

/** ≤ 64 − DEPLOYMENT_NAME_PREFIX.length, so the deployment is always the prefix + the whole group name. */
export const MAX_CONTAINER_GROUP_NAME_LENGTH = 55;
export const MAX_CONTAINER_NAME_LENGTH = 63;
export const MAX_DEPLOYMENT_NAME_LENGTH = 64;
export const DEPLOYMENT_NAME_PREFIX = 'aci-flow-';
/** Used when the flow name has no letter or digit at all. */
export const FALLBACK_FLOW_SLUG = 'flow';
export const NAME_HASH_LENGTH = 16;
/** In a hashed name, the flow slug keeps at least this much room when the run slug is long. */
const MIN_FLOW_SLUG_IN_HASHED_NAME = 12;

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ENDS_WITH_UUID = /-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What the workflow input carries and every activity works on. */
export interface FlowRunNames {
  containerGroupName: string;
  containerName: string;
  deploymentName: string;
}

export function flowRunNames(flowName: string, flowRunId: string): FlowRunNames {
  const containerGroupName = containerGroupNameFor(flowName, flowRunId);
  return {
    containerGroupName,
    containerName: containerNameFor(flowName),
    deploymentName: deploymentNameFor(containerGroupName),
  };
}

/** Lowercase alphanumerics joined by single hyphens; '' when nothing usable is left. */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * Valid for any flow name and any run id of any length. A run id with no letter or digit
 * is refused (ConfigError) rather than named by its hash alone: nobody could recognise
 * the group, and the client refuses such ids anyway.
 */
export function containerGroupNameFor(flowName: string, flowRunId: string): string {
  if (isPlain(flowName, flowRunId)) return `${flowName}-${flowRunId}`;
  const runSlug = slugify(flowRunId);
  if (!runSlug) {
    throw new ConfigError('flowRunId', `"${flowRunId}" has no letter or digit; use a UUID or a slug such as nightly-2024-05-01`);
  }
  const hash = nameHash(flowName, flowRunId);
  const room = MAX_CONTAINER_GROUP_NAME_LENGTH - hash.length - 1;
  const flowSlug = slugify(flowName) || FALLBACK_FLOW_SLUG;
  const flowPart = truncateSlug(flowSlug, Math.max(MIN_FLOW_SLUG_IN_HASHED_NAME, room - runSlug.length - 1));
  const runPart = truncateSlug(runSlug, room - flowPart.length - 1);
  return `${flowPart}-${runPart}-${hash}`;
}

/** `aci-flow-<group>`: group names are short enough that the whole name always fits. */
export function deploymentNameFor(containerGroupName: string): string {
  return `${DEPLOYMENT_NAME_PREFIX}${containerGroupName}`;
}

/** The container's name inside its group: the flow name's slug, so logs and the portal show what runs. */
export function containerNameFor(flowName: string): string {
  return truncateSlug(slugify(flowName), MAX_CONTAINER_NAME_LENGTH) || FALLBACK_FLOW_SLUG;
}

/**
 * Plain names parse back one way: when the name ends with `-<uuid>` that is the run id and
 * the rest the flow name; otherwise the flow name is the first part (so it may hold no
 * hyphen) and the rest the run id.
 */
function isPlain(flowName: string, flowRunId: string): boolean {
  if (!SLUG.test(flowName) || !SLUG.test(flowRunId)) return false;
  const name = `${flowName}-${flowRunId}`;
  if (name.length > MAX_CONTAINER_GROUP_NAME_LENGTH) return false;
  if (name.slice(name.lastIndexOf('-') + 1).length === NAME_HASH_LENGTH) return false;
  if (UUID.test(flowRunId)) return true;
  return !flowName.includes('-') && !ENDS_WITH_UUID.test(name);
}

/** JSON keeps the pair's boundary exact and escapes lone surrogates, which UTF-8 encoding would merge. */
function nameHash(flowName: string, flowRunId: string): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([flowName, flowRunId]))
    .digest();
  // 10 bytes = 80 bits = 16 base-32 digits exactly (0-9a-v: lowercase, valid in ACI names).
  return BigInt(`0x${digest.subarray(0, 10).toString('hex')}`)
    .toString(32)
    .padStart(NAME_HASH_LENGTH, '0');
}

function truncateSlug(slug: string, maxLength: number): string {
  return slug.slice(0, Math.max(0, maxLength)).replace(/-+$/, '');
}
