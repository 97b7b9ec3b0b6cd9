/**
 * What the template layer hands the Azure layer: one prepared ARM deployment, and the tags
 * that mark a container group as aci-flow's and name its flow run. Declared here, below
 * src/azure, because preparing a deployment must not depend on how it is sent.
 */

/** A prepared ARM deployment for one flow run (see ./prepare.ts). */
export interface DeploymentRequest {
  subscriptionId: string;
  resourceGroupName: string;
  deploymentName: string;
  /** The ARM template body (`$schema`, `parameters`, `resources`, ...). */
  template: Record<string, unknown>;
  /** ARM deployment parameters: `{ name: { value } }`. */
  parameters: Record<string, { value: unknown }>;
  /** Tags for the deployment resource itself. */
  tags?: Record<string, string>;
}

/** Tag names written on every container group aci-flow creates. */
export const MANAGED_BY_TAG = 'managed-by';
export const MANAGED_BY_VALUE = 'aci-flow';
export const FLOW_RUN_ID_TAG = 'aci-flow-flow-run-id';
export const WORKFLOW_ID_TAG = 'aci-flow-workflow-id';
