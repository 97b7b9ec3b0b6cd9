/** Azure-shaped errors: every failure the emulator reports reaches the client as `{ error: { code, message, details } }`. */

export interface ArmErrorDetail {
  code: string;
  message: string;
  target?: string;
  details?: ArmErrorDetail[];
}

export interface ArmErrorBody {
  error: { code: string; message: string; target?: string; details: ArmErrorDetail[] };
}

/** Thrown by handlers; the server turns it into a response with this status, body and headers. */
export class ArmError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details: ArmErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ArmError';
  }

  toBody(): ArmErrorBody {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

export function resourceGroupNotFound(resourceGroup: string): ArmError {
  return new ArmError(
    404,
    'ResourceGroupNotFound',
    `Resource group '${resourceGroup}' could not be found. Create it first (emulator: POST /_emulator/resourceGroups/${resourceGroup}, or start it with --resource-group ${resourceGroup}).`,
  );
}

export function resourceNotFound(resourceType: string, resourceGroup: string, name: string): ArmError {
  return new ArmError(
    404,
    'ResourceNotFound',
    `The Resource '${resourceType}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

export function deploymentNotFound(resourceGroup: string, name: string): ArmError {
  return new ArmError(404, 'DeploymentNotFound', `Deployment '${name}' could not be found in resource group '${resourceGroup}'.`);
}

export function invalidTemplate(message: string): ArmError {
  return new ArmError(400, 'InvalidTemplate', message);
}
