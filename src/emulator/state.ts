import { createHash, randomUUID } from 'node:crypto';
import { AsyncOperations, type AsyncOperationStatus } from './asyncOperations';
import { containerGroupId, type ContainerGroupRecord } from './containerGroup';
import { ContainerGroupRegistry, identityOf, isSimImage, type DeleteGroupOutcome } from './containerGroups';
import { validateContainerGroup, type ContainerGroupSpec } from './containerGroupSpec';
import { parseSimSettings } from './containers/simContainer';
import type { DeploymentRecord, ResourceOperation } from './deployment';
import { ArmError, deploymentNotFound, resourceGroupNotFound } from './errors';
import { matchesGroup, type ActiveFaults } from './faults';
import { invalidResourceGroup } from './names';
import { Scheduler } from './scheduler';
import { materializeTemplate, type DeploymentBody } from './template/materialize';

/** Images containing these behave as the imagePullFailure fault without any configuration. */
const PULL_FAILURE_MARKERS = ['does-not-exist', 'pull-error'];

export interface StateOptions {
  dataDir: string;
  location: string;
  resourceGroups: string[];
  deploymentDelayMs: number;
  faults: () => ActiveFaults;
  /** Where container processes run; relative commands resolve from here. */
  workingDirectory: string;
}

export type PutDeploymentOutcome = { created: boolean; record: DeploymentRecord };

/** What the emulator knows, per ARM scope: resource groups, deployments and (through the registry) container groups. */
export class EmulatorState {
  private readonly resourceGroups = new Set<string>();
  private readonly deployments = new Map<string, DeploymentRecord>();
  private readonly scheduler = new Scheduler();
  private readonly operations = new AsyncOperations();
  private readonly groups: ContainerGroupRegistry;

  constructor(private readonly options: StateOptions) {
    for (const name of options.resourceGroups) this.createResourceGroup(name);
    this.groups = new ContainerGroupRegistry({
      dataDir: options.dataDir,
      workingDirectory: options.workingDirectory,
      pullDelayMs: options.deploymentDelayMs,
      faults: options.faults,
      scheduler: this.scheduler,
      operations: this.operations,
    });
  }

  get location(): string {
    return this.options.location;
  }

  /** Creates the resource group; false when it existed already (ARM answers 200 then, 201 for a new one). */
  createResourceGroup(name: string): boolean {
    const invalid = invalidResourceGroup(name);
    if (invalid) throw invalid;
    const existed = this.resourceGroups.has(name.toLowerCase());
    this.resourceGroups.add(name.toLowerCase());
    return !existed;
  }

  requireResourceGroup(name: string): void {
    if (!this.resourceGroups.has(name.toLowerCase())) throw resourceGroupNotFound(name);
  }

  operationStatus(operationId: string): AsyncOperationStatus {
    return this.operations.status(operationId);
  }

  // ---- deployments ----

  putDeployment(subscriptionId: string, resourceGroup: string, name: string, body: DeploymentBody): PutDeploymentOutcome {
    this.requireResourceGroup(resourceGroup);
    const key = keyOf(subscriptionId, resourceGroup, name);
    const contentHash = createHash('sha256')
      .update(JSON.stringify({ template: body.properties.template ?? null, parameters: body.properties.parameters ?? {} }))
      .digest('hex')
      .slice(0, 20);
    const existing = this.deployments.get(key);
    if (existing?.provisioningState === 'Running') throw deploymentActive(existing);
    // ARM redeploys a failed or cancelled deployment; only a succeeded one with the same content is reused.
    if (existing && existing.contentHash === contentHash && existing.provisioningState === 'Succeeded') {
      return { created: false, record: existing };
    }

    const scope = { subscriptionId, resourceGroup, location: this.options.location, deploymentName: name };
    const specs = materializeTemplate(body, scope).map((resource) => validateContainerGroup(resource, name));
    for (const spec of specs) requireValidSimSettings(spec, name);

    const now = Date.now();
    const record: DeploymentRecord = {
      subscriptionId,
      resourceGroup,
      name,
      contentHash,
      template: (body.properties.template ?? {}) as Record<string, unknown>,
      // Secure parameter values are not kept once the containers have them, as ARM never gives them back.
      parameters: withoutSecureValues(body),
      mode: body.properties.mode ?? 'Incremental',
      tags: body.tags ?? {},
      correlationId: randomUUID(),
      startedAt: now,
      provisioningState: 'Running',
      operationId: '',
      operations: specs.map((spec) => this.deployContainerGroup(subscriptionId, resourceGroup, spec, now)),
    };
    record.operationId = this.operations.register(now, () => ({
      status: record.provisioningState,
      ...(record.finishedAt ? { endTime: new Date(record.finishedAt).toISOString() } : {}),
      ...(record.error ? { error: record.error } : {}),
    }));
    this.deployments.set(key, record);
    record.finishTimer = this.scheduler.after(this.options.deploymentDelayMs, () => this.finishDeployment(record));
    return { created: !existing, record };
  }

  /**
   * Stops a running deployment as ARM does: it ends Canceled and its unfinished operations
   * with it. Groups it already created stay, as in Azure, for the caller to delete.
   */
  cancelDeployment(subscriptionId: string, resourceGroup: string, name: string): void {
    const record = this.getDeployment(subscriptionId, resourceGroup, name);
    if (record.provisioningState !== 'Running') {
      throw new ArmError(
        409,
        'DeploymentCannotBeCancelled',
        `The deployment '${name}' cannot be cancelled because it is in '${record.provisioningState}' state. Only deployments that are still running can be cancelled.`,
      );
    }
    this.scheduler.cancel(record.finishTimer);
    record.finishTimer = undefined;
    for (const op of record.operations) {
      if (op.provisioningState === 'Running') op.provisioningState = 'Canceled';
    }
    record.finishedAt = Date.now();
    record.provisioningState = 'Canceled';
  }

  getDeployment(subscriptionId: string, resourceGroup: string, name: string): DeploymentRecord {
    this.requireResourceGroup(resourceGroup);
    const record = this.deployments.get(keyOf(subscriptionId, resourceGroup, name));
    if (!record) throw deploymentNotFound(resourceGroup, name);
    return record;
  }

  listDeployments(subscriptionId: string, resourceGroup: string): DeploymentRecord[] {
    this.requireResourceGroup(resourceGroup);
    const prefix = keyOf(subscriptionId, resourceGroup, '');
    return [...this.deployments.entries()].filter(([key]) => key.startsWith(prefix)).map(([, record]) => record);
  }

  /** Removes the record only; the resources it created stay, as in Azure. */
  deleteDeployment(subscriptionId: string, resourceGroup: string, name: string): boolean {
    this.requireResourceGroup(resourceGroup);
    return this.deployments.delete(keyOf(subscriptionId, resourceGroup, name));
  }

  private deployContainerGroup(subscriptionId: string, resourceGroup: string, spec: ContainerGroupSpec, now: number): ResourceOperation {
    const operation = {
      operationId: randomUUID().replace(/-/g, '').toUpperCase(),
      resourceName: spec.name,
      resourceId: containerGroupId({ subscriptionId, resourceGroup, name: spec.name }),
      location: spec.location,
      timestamp: new Date(now).toISOString(),
      provisioningState: 'Running' as const,
    };
    const failure = injectedDeploymentFailure(resourceGroup, spec, this.options.faults());
    if (failure) return { ...operation, ...failure };
    // incremental mode: an existing group of that name is adopted, never duplicated
    if (!this.groups.has(subscriptionId, resourceGroup, spec.name)) this.groups.create(subscriptionId, resourceGroup, spec, now);
    return { ...operation, statusCode: 'OK' };
  }

  private finishDeployment(record: DeploymentRecord): void {
    record.finishTimer = undefined;
    const failures = record.operations.filter((op) => op.error);
    for (const op of record.operations) {
      op.provisioningState = op.error ? 'Failed' : 'Succeeded';
      const group = op.error ? undefined : this.groups.find(record.subscriptionId, record.resourceGroup, op.resourceName);
      if (group?.provisioningState === 'Creating') group.provisioningState = 'Succeeded';
    }
    record.finishedAt = Date.now();
    record.provisioningState = failures.length ? 'Failed' : 'Succeeded';
    if (failures.length) {
      record.error = {
        code: 'DeploymentFailed',
        message: `At least one resource deployment operation failed. Please list deployment operations for details. Please see https://aka.ms/arm-deployment-operations for usage details.`,
        details: failures.map((op) => ({ code: op.error?.code ?? 'Unknown', message: op.error?.message ?? '', target: op.resourceId })),
      };
    }
  }

  // ---- container groups ----

  getGroup(subscriptionId: string, resourceGroup: string, name: string): ContainerGroupRecord {
    this.requireResourceGroup(resourceGroup);
    return this.groups.get(subscriptionId, resourceGroup, name);
  }

  listGroups(subscriptionId: string, resourceGroup?: string): ContainerGroupRecord[] {
    if (resourceGroup !== undefined) this.requireResourceGroup(resourceGroup);
    return this.groups.list(subscriptionId, resourceGroup);
  }

  /**
   * A direct PUT of a container group (what `az container create` and Terraform send): created
   * (`Creating` until `deploymentDelayMs` passed) or, when it exists, updated and restarted in place.
   */
  putGroup(subscriptionId: string, resourceGroup: string, spec: ContainerGroupSpec): { created: boolean; record: ContainerGroupRecord; operationId: string } {
    this.requireResourceGroup(resourceGroup);
    requireValidSimSettings(spec, spec.name);
    const now = Date.now();
    const existing = this.groups.find(subscriptionId, resourceGroup, spec.name);
    let record: ContainerGroupRecord;
    if (existing) {
      existing.spec = spec;
      existing.provisioningState = 'Creating';
      this.groups.restart(existing, now);
      record = existing;
    } else {
      record = this.groups.create(subscriptionId, resourceGroup, spec, now);
    }
    this.scheduler.after(this.options.deploymentDelayMs, () => {
      if (record.provisioningState === 'Creating') record.provisioningState = 'Succeeded';
    });
    const operationId = this.operations.register(now, () => (record.provisioningState === 'Creating' ? { status: 'Running' } : { status: 'Succeeded' }));
    return { created: !existing, record, operationId };
  }

  /** PATCH: ACI updates the tags only. */
  tagGroup(subscriptionId: string, resourceGroup: string, name: string, tags: Record<string, string>): ContainerGroupRecord {
    const record = this.getGroup(subscriptionId, resourceGroup, name);
    record.spec = { ...record.spec, tags };
    return record;
  }

  /**
   * Restart (always) and start (of a stopped group; a running one is left alone, ACI's 204).
   * Returns the id of the operation the restart is (done at once), or undefined when nothing happened.
   */
  restartGroup(subscriptionId: string, resourceGroup: string, name: string, onlyIfStopped: boolean): string | undefined {
    const record = this.getGroup(subscriptionId, resourceGroup, name);
    if (onlyIfStopped && !record.stopped) return undefined;
    const now = Date.now();
    this.groups.restart(record, now);
    return this.operations.register(now, () => ({ status: 'Succeeded', endTime: new Date(now).toISOString() }));
  }

  stopGroup(subscriptionId: string, resourceGroup: string, name: string): void {
    this.groups.stop(this.getGroup(subscriptionId, resourceGroup, name));
  }

  deleteGroup(subscriptionId: string, resourceGroup: string, name: string): DeleteGroupOutcome {
    this.requireResourceGroup(resourceGroup);
    const record = this.groups.find(subscriptionId, resourceGroup, name);
    const deleteFails = this.options.faults().deleteFails;
    // Azure checks permissions before it looks for the resource: a missing group fails the same way.
    const identity = record ? identityOf(resourceGroup, record.spec) : { resourceGroup, name, images: [] };
    if (deleteFails && matchesGroup(deleteFails.match ?? {}, identity)) throw deleteForbidden(subscriptionId, resourceGroup, name);
    return record ? this.groups.delete(record) : { kind: 'absent' };
  }

  /** Every group ever created, including deleted ones. */
  allGroups(): ContainerGroupRecord[] {
    return this.groups.all();
  }

  applyVanishToLiveGroups(vanish: ActiveFaults['vanish']): void {
    this.groups.applyVanish(vanish);
  }

  /** Ends every timer and container process. */
  async close(): Promise<void> {
    this.scheduler.close();
    await this.groups.close();
  }
}

/** Image pull failures and quota errors fail the deployment as the ACI resource provider would; no group is created. */
function injectedDeploymentFailure(
  resourceGroup: string,
  spec: ContainerGroupSpec,
  faults: ActiveFaults,
): Pick<ResourceOperation, 'statusCode' | 'error'> | undefined {
  const identity = identityOf(resourceGroup, spec);
  const inaccessible = spec.containers.find(
    (c) =>
      PULL_FAILURE_MARKERS.some((marker) => c.image.toLowerCase().includes(marker)) ||
      matchesGroup(faults.imagePullFailure, { ...identity, images: [c.image] }),
  );
  if (inaccessible) {
    return {
      statusCode: 'BadRequest',
      error: {
        code: 'InaccessibleImage',
        message: `The image '${inaccessible.image}' in container group '${spec.name}' is not accessible. Please check the image and registry credential.`,
      },
    };
  }
  if (matchesGroup(faults.quotaExceeded, identity)) {
    return {
      statusCode: 'Conflict',
      error: {
        code: 'ContainerGroupQuotaReached',
        message: `Resource type 'Microsoft.ContainerInstance/containerGroups' container group quota exceeded in region '${spec.location}'. Limit: '100', Usage: '100', Requested: '1'. Request a quota increase or delete unused container groups.`,
      },
    };
  }
  return undefined;
}

function requireValidSimSettings(spec: ContainerGroupSpec, deploymentName: string): void {
  for (const container of spec.containers) {
    if (!isSimImage(container.image)) continue;
    const parsed = parseSimSettings(container.environment);
    if ('problem' in parsed) {
      throw new ArmError(
        400,
        'InvalidTemplateDeployment',
        `The template deployment '${deploymentName}' is not valid according to the validation procedure. See inner errors for details.`,
        [
          {
            code: 'InvalidSimulationSettings',
            message: `Container '${container.name}' in container group '${spec.name}' (simulated image): ${parsed.problem}.`,
            target: spec.name,
          },
        ],
      );
    }
  }
}

function deleteForbidden(subscriptionId: string, resourceGroup: string, name: string): ArmError {
  const scope = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerInstance/containerGroups/${name}`;
  return new ArmError(
    403,
    'AuthorizationFailed',
    `The client 'aci-flow-emulator-client' with object id '00000000-0000-0000-0000-000000000000' does not have authorization to perform action 'Microsoft.ContainerInstance/containerGroups/delete' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}

/** ARM refuses to replace a deployment that has not finished, whatever the new content. */
function deploymentActive(record: DeploymentRecord): ArmError {
  return new ArmError(
    409,
    'DeploymentActive',
    `Unable to edit or replace deployment '${record.name}': previous deployment from '${new Date(record.startedAt).toISOString()}' is still active. Wait until its provisioningState is Succeeded or Failed, then retry. Please see https://aka.ms/arm-deploy for usage details.`,
  );
}

function keyOf(subscriptionId: string, resourceGroup: string, name: string): string {
  return `${subscriptionId}/${resourceGroup}/${name}`.toLowerCase();
}

/** As ARM answers a GET: a secureString/secureObject parameter shows its type, never its value. */
function withoutSecureValues(body: DeploymentBody): Record<string, unknown> {
  const template = body.properties.template as { parameters?: Record<string, { type?: unknown }> } | undefined;
  const secure = new Set(
    Object.entries(template?.parameters ?? {})
      .filter(([, declared]) => /^secure(string|object)$/i.test(String(declared?.type)))
      .map(([name]) => name.toLowerCase()),
  );
  return Object.fromEntries(
    Object.entries(body.properties.parameters ?? {}).map(([name, value]) => [name, secure.has(name.toLowerCase()) ? { type: 'SecureString' } : value]),
  );
}
