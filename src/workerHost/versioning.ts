/**
 * Worker Versioning: a worker registers a deployment version (deployment `aci-flow-<pool>` by
 * default, build id from the package version or the operator), and flow runs are Pinned, so a
 * run finishes on the code it started on whatever the fleet runs meanwhile. Docs:
 * docs/operations.md, "Upgrades with runs in flight".
 */
import type { NativeConnection, WorkerOptions } from '@temporalio/worker';
import { packageVersion } from './packageVersion';

export const VERSIONING_ENV = 'ACI_FLOW_VERSIONING';
export const DEPLOYMENT_NAME_ENV = 'ACI_FLOW_DEPLOYMENT_NAME';
export const BUILD_ID_ENV = 'ACI_FLOW_BUILD_ID';

export interface VersioningSettings {
  deploymentName: string;
  buildId: string;
}

const DEPLOYMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/;
const BUILD_ID = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,254}$/;

/**
 * The worker's deployment version, or undefined when versioning is off
 * (`ACI_FLOW_VERSIONING=off`). Flags win over the environment.
 */
export function versioningSettings(
  workPool: string,
  flags: { deploymentName?: string; buildId?: string } = {},
  env: NodeJS.ProcessEnv = process.env,
): VersioningSettings | undefined {
  const mode = (env[VERSIONING_ENV] ?? 'on').trim().toLowerCase();
  if (mode !== 'on' && mode !== 'off') throw new Error(`${VERSIONING_ENV}: "${env[VERSIONING_ENV]}" must be on or off`);
  if (mode === 'off') return undefined;
  // The canonical version string is `<deployment>.<build id>`: no dot in a deployment name.
  const deploymentName = flags.deploymentName ?? env[DEPLOYMENT_NAME_ENV] ?? `aci-flow-${workPool.replace(/\./g, '-')}`;
  const buildId = flags.buildId ?? env[BUILD_ID_ENV] ?? packageVersion();
  if (!DEPLOYMENT_NAME.test(deploymentName)) {
    throw new Error(
      `${flags.deploymentName ? '--deployment-name' : DEPLOYMENT_NAME_ENV}: "${deploymentName}" must be letters, digits, "-" and "_", at most 255`,
    );
  }
  if (!BUILD_ID.test(buildId)) {
    throw new Error(`${flags.buildId ? '--build-id' : BUILD_ID_ENV}: "${buildId}" must be letters, digits, ".", "-" and "_", at most 255`);
  }
  return { deploymentName, buildId };
}

/** The SDK's options: every workflow this worker starts is Pinned to its version. */
export function workerDeploymentOptions(settings: VersioningSettings | undefined): WorkerOptions['workerDeploymentOptions'] {
  if (!settings) return undefined;
  return { useWorkerVersioning: true, version: settings, defaultVersioningBehavior: 'PINNED' };
}

/**
 * A fresh deployment (no current version yet) takes this worker's version as current, so a
 * first install runs flow runs without an operator step. An existing deployment keeps its
 * current version: making a new version current is the operator's step of an upgrade. Never
 * fails the worker's start: a problem is logged and the worker polls regardless.
 */
export async function adoptAsCurrentIfFresh(
  connection: NativeConnection,
  namespace: string,
  settings: VersioningSettings,
  log: { info(message: string): void; warn(message: string): void },
): Promise<'adopted' | 'kept' | 'failed'> {
  const { deploymentName, buildId } = settings;
  try {
    let conflictToken: Uint8Array | undefined;
    try {
      const described = await connection.workflowService.describeWorkerDeployment({ namespace, deploymentName });
      const current = described.workerDeploymentInfo?.routingConfig?.currentDeploymentVersion;
      if (current?.buildId) {
        log.info(`Worker deployment ${deploymentName}: current version ${current.buildId} (this worker: ${buildId})`);
        return 'kept';
      }
      conflictToken = described.conflictToken ?? undefined;
    } catch (err) {
      if ((err as { code?: number }).code !== NOT_FOUND) throw err;
    }
    await connection.workflowService.setWorkerDeploymentCurrentVersion({
      namespace,
      deploymentName,
      buildId,
      // This worker polls in a moment; the deployment is fresh, so nothing else can be current.
      allowNoPollers: true,
      ignoreMissingTaskQueues: true,
      ...(conflictToken ? { conflictToken } : {}),
    });
    log.info(`Worker deployment ${deploymentName} had no current version: ${buildId} (this worker) is current now`);
    return 'adopted';
  } catch (err) {
    log.warn(
      `Could not check or set the current version of worker deployment ${deploymentName} (${err instanceof Error ? err.message : String(err)}); ` +
        `if no version is current, new flow runs wait: temporal worker deployment set-current-version --deployment-name ${deploymentName} --build-id ${buildId}`,
    );
    return 'failed';
  }
}

/** gRPC status NOT_FOUND. */
const NOT_FOUND = 5;
