/**
 * The one way a flow run's deployment is decided, from the operator's pool and the run's
 * values: `aci-flow render` and `start` (to refuse bad input up front, exit 2) and the worker
 * (the enforcement point: it never takes a rendered configuration from workflow input) all
 * call this, so what renders is what deploys.
 */
import type { BaseJobTemplate } from '../config/baseJobTemplate';
import type { JobConfiguration } from '../config/jobConfiguration';
import { renderJobConfiguration } from '../config/poolConfig';
import { type FlowRunIdentity, prepareDeployment, type PreparedDeployment } from './prepare';
import { requireAllowedIdentitiesAndSubnets, requireRunSecretsAllowed } from './runPolicy';

export interface RenderedFlowRun {
  /** The job configuration (secrets as references). */
  configuration: JobConfiguration;
  /** The ARM deployment, secrets still as references (resolved only on the worker, right before the call). */
  deployment: PreparedDeployment;
}

/**
 * Renders the pool's base job template with the run's values (variables schema, limits,
 * literal-secret names, pool-only fields), prepares the deployment (patches, run boundary,
 * secret positions), checks the references the run brings against the pool's
 * run_secret_names and the identities and subnets against its allow-lists. Throws ConfigError.
 */
export function renderFlowRun(pool: BaseJobTemplate, values: Record<string, unknown>, run: FlowRunIdentity): RenderedFlowRun {
  const configuration = renderJobConfiguration(pool, values);
  // Misplaced references are reported by prepareDeployment first, with the position named.
  const deployment = prepareDeployment(configuration, run);
  requireRunSecretsAllowed(pool, values, configuration);
  requireAllowedIdentitiesAndSubnets(pool, configuration, deployment.template);
  return { configuration, deployment };
}
