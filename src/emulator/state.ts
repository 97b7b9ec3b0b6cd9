import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { containerGroupId, type ContainerGroupRecord } from './containerGroup';
import { validateContainerGroup, type ContainerGroupSpec } from './containerGroupSpec';
import { ProcessContainer } from './containers/processContainer';
import { parseSimSettings, SimContainer, SIM_IMAGE_MARKER } from './containers/simContainer';
import type { ContainerRuntime } from './containers/types';
import { type DeploymentError, type DeploymentRecord, type ResourceOperation } from './deployment';
import { ArmError, deploymentNotFound, resourceGroupNotFound, resourceNotFound } from './errors';
import { matchesGroup, type FaultConfig, type GroupIdentity } from './faults';
import { materializeTemplate, type DeploymentBody } from './template/materialize';

/** Images containing these behave as the matching fault without any configuration. */
const NEVER_STARTS_MARKER = 'never-starts';
const PULL_FAILURE_MARKERS = ['does-not-exist', 'pull-error'];

export interface StateOptions {
  dataDir: string;
  location: string;
  resourceGroups: string[];
  deploymentDelayMs: number;
  faults: () => FaultConfig;
  /** Where container processes run; relative commands resolve from here. */
  workingDirectory: string;
}

export interface AsyncOperationStatus {
  id: string;
  name: string;
  status: 'Running' | 'Succeeded' | 'Failed';
  startTime: string;
  endTime?: string;
  error?: DeploymentError;
}

interface AsyncOperation {
  id: string;
  startedAt: number;
  current(): Omit<AsyncOperationStatus, 'id' | 'name' | 'startTime'>;
}

export type PutDeploymentOutcome = { created: boolean; record: DeploymentRecord };
export type DeleteGroupOutcome = { kind: 'absent' } | { kind: 'deleted'; record: ContainerGroupRecord } | { kind: 'accepted'; operationId: string; record: ContainerGroupRecord };

/** Everything the emulator knows: resource groups, deployments, container groups and async operations. */
export class EmulatorState {
  private readonly resourceGroups = new Set<string>();
  private readonly deployments = new Map<string, DeploymentRecord>();
  private readonly liveGroups = new Map<string, ContainerGroupRecord>();
  private readonly everyGroup: ContainerGroupRecord[] = [];
  private readonly operations = new Map<string, AsyncOperation>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly options: StateOptions) {
    for (const name of options.resourceGroups) this.createResourceGroup(name);
  }

  get location(): string {
    return this.options.location;
  }

  createResourceGroup(name: string): void {
    this.resourceGroups.add(name.toLowerCase());
  }

  requireResourceGroup(name: string): void {
    if (!this.resourceGroups.has(name.toLowerCase())) throw resourceGroupNotFound(name);
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
    if (existing && existing.contentHash === contentHash && existing.provisioningState !== 'Failed') {
      return { created: false, record: existing };
    }

    const scope = { subscriptionId, resourceGroup, location: this.options.location, deploymentName: name };
    const specs = materializeTemplate(body, scope).map((resource) => validateContainerGroup(resource, name));
    for (const spec of specs) this.requireSimSettingsValid(spec, name);

    const now = Date.now();
    const record: DeploymentRecord = {
      subscriptionId,
      resourceGroup,
      name,
      contentHash,
      parameters: body.properties.parameters ?? {},
      mode: body.properties.mode ?? 'Incremental',
      tags: body.tags ?? {},
      correlationId: randomUUID(),
      startedAt: now,
      provisioningState: 'Running',
      operationId: randomUUID().replace(/-/g, '').toUpperCase(),
      operations: specs.map((spec) => this.deployContainerGroup(subscriptionId, resourceGroup, spec, now)),
    };
    this.deployments.set(key, record);
    this.registerOperation(record.operationId, now, () => ({
      status: record.provisioningState,
      ...(record.finishedAt ? { endTime: new Date(record.finishedAt).toISOString() } : {}),
      ...(record.error ? { error: record.error } : {}),
    }));
    this.after(this.options.deploymentDelayMs, () => this.finishDeployment(record));
    return { created: !existing, record };
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

  operationStatus(operationId: string): AsyncOperationStatus {
    const operation = this.operations.get(operationId.toUpperCase());
    if (!operation) {
      throw new ArmError(404, 'OperationNotFound', `The operation '${operationId}' could not be found. It may have expired or never existed.`);
    }
    return { id: operation.id, name: operation.id, startTime: new Date(operation.startedAt).toISOString(), ...operation.current() };
  }

  private deployContainerGroup(subscriptionId: string, resourceGroup: string, spec: ContainerGroupSpec, now: number): ResourceOperation {
    const identity: GroupIdentity = { resourceGroup, name: spec.name, images: spec.containers.map((c) => c.image) };
    const base = {
      operationId: randomUUID().replace(/-/g, '').toUpperCase(),
      resourceName: spec.name,
      resourceId: containerGroupId({ subscriptionId, resourceGroup, name: spec.name }),
      timestamp: new Date(now).toISOString(),
    };
    const faults = this.options.faults();
    const inaccessible = spec.containers.find(
      (c) => PULL_FAILURE_MARKERS.some((marker) => c.image.toLowerCase().includes(marker)) || matchesGroup(faults.imagePullFailure, { ...identity, images: [c.image] }),
    );
    if (inaccessible) {
      return {
        ...base,
        provisioningState: 'Running',
        statusCode: 'BadRequest',
        error: {
          code: 'InaccessibleImage',
          message: `The image '${inaccessible.image}' in container group '${spec.name}' is not accessible. Please check the image and registry credential.`,
        },
      };
    }
    if (matchesGroup(faults.quotaExceeded, identity)) {
      return {
        ...base,
        provisioningState: 'Running',
        statusCode: 'Conflict',
        error: {
          code: 'ContainerGroupQuotaReached',
          message: `Resource type 'Microsoft.ContainerInstance/containerGroups' container group quota exceeded in region '${spec.location}'. Limit: '100', Usage: '100', Requested: '1'. Request a quota increase or delete unused container groups.`,
        },
      };
    }
    // incremental mode: an existing group of that name is adopted, never duplicated
    if (!this.liveGroups.has(keyOf(subscriptionId, resourceGroup, spec.name))) this.createGroup(subscriptionId, resourceGroup, spec, now);
    return { ...base, provisioningState: 'Running', statusCode: 'OK' };
  }

  private finishDeployment(record: DeploymentRecord): void {
    const failures = record.operations.filter((op) => op.error);
    for (const op of record.operations) {
      op.provisioningState = op.error ? 'Failed' : 'Succeeded';
      if (!op.error) {
        const group = this.liveGroups.get(keyOf(record.subscriptionId, record.resourceGroup, op.resourceName));
        if (group && group.provisioningState === 'Creating') group.provisioningState = 'Succeeded';
      }
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

  private requireSimSettingsValid(spec: ContainerGroupSpec, deploymentName: string): void {
    for (const container of spec.containers) {
      if (!isSimImage(container.image)) continue;
      const parsed = parseSimSettings(container.environment);
      if ('problem' in parsed) {
        throw new ArmError(400, 'InvalidTemplateDeployment', `The template deployment '${deploymentName}' is not valid according to the validation procedure. See inner errors for details.`, [
          { code: 'InvalidSimulationSettings', message: `Container '${container.name}' in container group '${spec.name}' (simulated image): ${parsed.problem}.`, target: spec.name },
        ]);
      }
    }
  }

  // ---- container groups ----

  private createGroup(subscriptionId: string, resourceGroup: string, spec: ContainerGroupSpec, now: number): void {
    const faults = this.options.faults();
    const identity: GroupIdentity = { resourceGroup, name: spec.name, images: spec.containers.map((c) => c.image) };
    const groupDir = path.join(this.options.dataDir, 'containers', resourceGroup.toLowerCase(), spec.name);
    const pullDelayMs = Math.min(100, this.options.deploymentDelayMs);
    const containers: ContainerRuntime[] = spec.containers.map((container) => {
      const neverStart = container.image.toLowerCase().includes(NEVER_STARTS_MARKER) || matchesGroup(faults.neverStart, { ...identity, images: [container.image] });
      if (isSimImage(container.image)) {
        const parsed = parseSimSettings(container.environment);
        if ('problem' in parsed) throw new Error(`unreachable: settings were validated (${parsed.problem})`);
        return new SimContainer({ spec: container, settings: parsed.settings, createdAt: now, pullDelayMs, neverStart });
      }
      mkdirSync(groupDir, { recursive: true });
      return new ProcessContainer({
        spec: container,
        createdAt: now,
        pullDelayMs,
        neverStart,
        cwd: this.options.workingDirectory,
        logFile: path.join(groupDir, `${container.name}.log`),
      });
    });
    const record: ContainerGroupRecord = { subscriptionId, resourceGroup, name: spec.name, spec, containers, createdAt: now, provisioningState: 'Creating', stopped: false, deleted: false };
    this.liveGroups.set(keyOf(subscriptionId, resourceGroup, spec.name), record);
    this.everyGroup.push(record);
    if (faults.vanish && matchesGroup(faults.vanish.match ?? {}, identity)) this.scheduleVanish(record, faults.vanish.afterMs);
  }

  /** Applies a newly set vanish fault to the groups that already exist. */
  applyVanishToLiveGroups(vanish: FaultConfig['vanish']): void {
    for (const record of this.liveGroups.values()) {
      if (record.vanishTimer) {
        clearTimeout(record.vanishTimer);
        this.timers.delete(record.vanishTimer);
        record.vanishTimer = undefined;
      }
      const identity = { resourceGroup: record.resourceGroup, name: record.name, images: record.spec.containers.map((c) => c.image) };
      if (vanish && matchesGroup(vanish.match ?? {}, identity)) this.scheduleVanish(record, vanish.afterMs);
    }
  }

  private scheduleVanish(record: ContainerGroupRecord, afterMs: number): void {
    record.vanishTimer = this.after(afterMs, () => {
      record.vanishTimer = undefined;
      if (!record.deleted) void this.removeGroup(record);
    });
  }

  getGroup(subscriptionId: string, resourceGroup: string, name: string): ContainerGroupRecord {
    this.requireResourceGroup(resourceGroup);
    const record = this.liveGroups.get(keyOf(subscriptionId, resourceGroup, name));
    if (!record) throw resourceNotFound('Microsoft.ContainerInstance/containerGroups', resourceGroup, name);
    return record;
  }

  listGroups(subscriptionId: string, resourceGroup?: string): ContainerGroupRecord[] {
    if (resourceGroup !== undefined) this.requireResourceGroup(resourceGroup);
    return [...this.liveGroups.values()].filter(
      (record) =>
        record.subscriptionId.toLowerCase() === subscriptionId.toLowerCase() &&
        (resourceGroup === undefined || record.resourceGroup.toLowerCase() === resourceGroup.toLowerCase()),
    );
  }

  async stopGroup(subscriptionId: string, resourceGroup: string, name: string): Promise<void> {
    const record = this.getGroup(subscriptionId, resourceGroup, name);
    record.stopped = true;
    const now = Date.now();
    // ACI answers once the containers are told to stop; the processes finish in the background
    void Promise.all(record.containers.map((container) => container.stop(now)));
  }

  deleteGroup(subscriptionId: string, resourceGroup: string, name: string): DeleteGroupOutcome {
    this.requireResourceGroup(resourceGroup);
    const record = this.liveGroups.get(keyOf(subscriptionId, resourceGroup, name));
    if (!record) return { kind: 'absent' };
    const slowDelete = this.options.faults().slowDelete;
    const identity = { resourceGroup: record.resourceGroup, name: record.name, images: record.spec.containers.map((c) => c.image) };
    if (slowDelete && slowDelete.seconds > 0 && matchesGroup(slowDelete.match ?? {}, identity)) {
      if (record.provisioningState !== 'Deleting') {
        record.provisioningState = 'Deleting';
        const now = Date.now();
        void Promise.all(record.containers.map((container) => container.stop(now)));
        const operationId = randomUUID().replace(/-/g, '').toUpperCase();
        this.registerOperation(operationId, now, () => (record.deleted ? { status: 'Succeeded', endTime: new Date().toISOString() } : { status: 'Running' }));
        record.deleteOperationId = operationId;
        this.after(slowDelete.seconds * 1000, () => void this.removeGroup(record));
      }
      return { kind: 'accepted', operationId: record.deleteOperationId as string, record };
    }
    void this.removeGroup(record);
    return { kind: 'deleted', record };
  }

  /** Every group ever created, including deleted ones. */
  allGroups(): ContainerGroupRecord[] {
    return [...this.everyGroup];
  }

  private async removeGroup(record: ContainerGroupRecord): Promise<void> {
    record.deleted = true;
    if (record.vanishTimer) clearTimeout(record.vanishTimer);
    this.liveGroups.delete(keyOf(record.subscriptionId, record.resourceGroup, record.name));
    const now = Date.now();
    await Promise.all(record.containers.map((container) => container.stop(now)));
  }

  // ---- plumbing ----

  private registerOperation(id: string, startedAt: number, current: AsyncOperation['current']): void {
    this.operations.set(id.toUpperCase(), { id, startedAt, current });
  }

  private after(ms: number, action: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) action();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  /** Ends every timer and container process. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all([...this.liveGroups.values()].map((record) => this.removeGroup(record)));
  }
}

export function isSimImage(image: string): boolean {
  return image.toLowerCase().includes(SIM_IMAGE_MARKER);
}

function keyOf(subscriptionId: string, resourceGroup: string, name: string): string {
  return `${subscriptionId}/${resourceGroup}/${name}`.toLowerCase();
}

