import { ArmError } from './errors';

/**
 * The api-versions whose shapes the emulator serves. Microsoft.Resources: every stable version
 * published from 2021-04-01 (still sent by many tools) to the one @azure/arm-resources 6.1.0 /
 * azure-mgmt-resource 23.4.0 send (2025-03-01), and the next; the deployment and resource
 * group shapes the emulator returns are the same in all of them. Microsoft.ContainerInstance:
 * what @azure/arm-containerinstance 9.1.0 / azure-mgmt-containerinstance 10.1.0 send. Another
 * version could expect other shapes, so it is refused the way ARM refuses a version it does not know.
 * The first of each list is what the JS SDK sends.
 */
export const SUPPORTED_API_VERSIONS = {
  'Microsoft.Resources': ['2025-03-01', '2021-04-01', '2022-09-01', '2023-07-01', '2024-03-01', '2024-07-01', '2024-11-01', '2025-04-01'],
  'Microsoft.ContainerInstance': ['2023-05-01'],
} as const;

export type ProviderNamespace = keyof typeof SUPPORTED_API_VERSIONS;

/** Which provider serves a route, and the resource type ARM names in its errors. */
export interface RouteApi {
  namespace: ProviderNamespace;
  resourceType: string;
}

export function missingApiVersion(pathname: string): ArmError {
  return new ArmError(
    400,
    'MissingApiVersionParameter',
    `The api-version query parameter (?api-version=) is required for all requests. Add it to '${pathname}'.`,
  );
}

/** ARM's answers: the Resources provider's own check, or the front door's for a resource provider's type. */
export function unsupportedApiVersion(api: RouteApi, apiVersion: string, location: string): ArmError | undefined {
  const supported: readonly string[] = SUPPORTED_API_VERSIONS[api.namespace];
  if (supported.includes(apiVersion)) return undefined;
  if (api.namespace === 'Microsoft.Resources') {
    return new ArmError(400, 'InvalidApiVersionParameter', `The api-version '${apiVersion}' is invalid. The supported versions are '${supported.join(',')}'.`);
  }
  return new ArmError(
    400,
    'NoRegisteredProviderFound',
    `No registered resource provider found for location '${location}' and API version '${apiVersion}' for type '${api.resourceType}'. The supported api-versions are '${supported.join(', ')}'. The supported locations are '${location}'.`,
  );
}
