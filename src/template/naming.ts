/**
 * Deterministic Azure names for one flow run. Pure (workflow code imports this file), so
 * the slug is a plain regex rather than a library.
 *
 * ACI container group and container names: 1–63 characters, lowercase letters, digits and
 * single hyphens, not starting or ending with a hyphen. Deployment names: at most 64.
 */
import { ConfigError } from '../config/errors';

export const MAX_CONTAINER_GROUP_NAME_LENGTH = 63;
export const MAX_CONTAINER_NAME_LENGTH = 63;
export const MAX_DEPLOYMENT_NAME_LENGTH = 64;
export const DEPLOYMENT_NAME_PREFIX = 'aci-flow-';
/** Used when the flow name has no letter or digit at all. */
export const FALLBACK_FLOW_SLUG = 'flow';
/** Long enough for any UUID or Prefect-style slug, short enough to leave room for the flow name in a deployment name. */
export const MAX_FLOW_RUN_ID_SLUG_LENGTH = 50;

/** Lowercase alphanumerics joined by single hyphens; '' when nothing usable is left. */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** `<slug(flow name)>-<flow run id>`; the run id is kept whole at the end, the flow name is shortened. */
export function containerGroupNameFor(flowName: string, flowRunId: string): string {
  const runId = flowRunIdSlug(flowRunId);
  const room = MAX_CONTAINER_GROUP_NAME_LENGTH - runId.length - 1;
  const flowSlug = truncateSlug(slugify(flowName), room) || FALLBACK_FLOW_SLUG;
  return `${flowSlug}-${runId}`;
}

/**
 * `aci-flow-<group>`, shortened to 64 characters by dropping the start of the group name:
 * the prefix marks the deployment as ours and the end carries the flow run id.
 */
export function deploymentNameFor(containerGroupName: string): string {
  const room = MAX_DEPLOYMENT_NAME_LENGTH - DEPLOYMENT_NAME_PREFIX.length;
  const tail = containerGroupName.length <= room ? containerGroupName : containerGroupName.slice(-room).replace(/^-+/, '');
  return `${DEPLOYMENT_NAME_PREFIX}${tail}`;
}

/** The container's name inside its group: the flow name's slug, so logs and the portal show what runs. */
export function containerNameFor(flowName: string): string {
  return truncateSlug(slugify(flowName), MAX_CONTAINER_NAME_LENGTH) || FALLBACK_FLOW_SLUG;
}

function flowRunIdSlug(flowRunId: string): string {
  const slug = slugify(flowRunId);
  if (!slug) {
    throw new ConfigError('flowRunId', `"${flowRunId}" has no letter or digit; use a UUID or a slug such as nightly-2024-05-01`);
  }
  if (slug.length > MAX_FLOW_RUN_ID_SLUG_LENGTH) {
    throw new ConfigError(
      'flowRunId',
      `"${flowRunId}" is ${slug.length} characters as a name; at most ${MAX_FLOW_RUN_ID_SLUG_LENGTH} fit in Azure container group and deployment names (a UUID has 36)`,
    );
  }
  return slug;
}

function truncateSlug(slug: string, maxLength: number): string {
  return slug.slice(0, Math.max(0, maxLength)).replace(/-+$/, '');
}
