import { mkdirSync } from 'node:fs';
import type { AsyncOperations } from './asyncOperations';
import type { ContainerGroupRecord } from './containerGroup';
import type { ContainerGroupSpec } from './containerGroupSpec';
import { ProcessContainer } from './containers/processContainer';
import { parseSimSettings, SimContainer, SIM_IMAGE_MARKER } from './containers/simContainer';
import type { ContainerRuntime } from './containers/types';
import { resourceNotFound } from './errors';
import { matchesGroup, type ActiveFaults, type GroupIdentity } from './faults';
import { pathInside } from './names';
import type { Scheduler } from './scheduler';

/** Images containing this behave as the neverStart fault without any configuration. */
const NEVER_STARTS_MARKER = 'never-starts';
/** The pull is short but visible: a poller sees Waiting before Running. */
const MAX_PULL_DELAY_MS = 100;

export interface ContainerGroupRegistryOptions {
  dataDir: string;
  /** Where container processes run; relative commands resolve from here. */
  workingDirectory: string;
  pullDelayMs: number;
  faults: () => ActiveFaults;
  scheduler: Scheduler;
  operations: AsyncOperations;
}

export type DeleteGroupOutcome =
  { kind: 'absent' } | { kind: 'deleted'; record: ContainerGroupRecord } | { kind: 'accepted'; operationId: string; record: ContainerGroupRecord };

/** The container groups that exist, the runtimes behind them, and the faults that act on them. */
export class ContainerGroupRegistry {
  private readonly live = new Map<string, ContainerGroupRecord>();
  private readonly everCreated: ContainerGroupRecord[] = [];

  constructor(private readonly options: ContainerGroupRegistryOptions) {}

  has(subscriptionId: string, resourceGroup: string, name: string): boolean {
    return this.live.has(keyOf(subscriptionId, resourceGroup, name));
  }

  find(subscriptionId: string, resourceGroup: string, name: string): ContainerGroupRecord | undefined {
    return this.live.get(keyOf(subscriptionId, resourceGroup, name));
  }

  get(subscriptionId: string, resourceGroup: string, name: string): ContainerGroupRecord {
    const record = this.find(subscriptionId, resourceGroup, name);
    if (!record) throw resourceNotFound('Microsoft.ContainerInstance/containerGroups', resourceGroup, name);
    return record;
  }

  list(subscriptionId: string, resourceGroup?: string): ContainerGroupRecord[] {
    return [...this.live.values()].filter(
      (record) =>
        record.subscriptionId.toLowerCase() === subscriptionId.toLowerCase() &&
        (resourceGroup === undefined || record.resourceGroup.toLowerCase() === resourceGroup.toLowerCase()),
    );
  }

  /** Every group ever created, including deleted ones. */
  all(): ContainerGroupRecord[] {
    return [...this.everCreated];
  }

  create(subscriptionId: string, resourceGroup: string, spec: ContainerGroupSpec, now: number): ContainerGroupRecord {
    const faults = this.options.faults();
    const identity = identityOf(resourceGroup, spec);
    const record: ContainerGroupRecord = {
      subscriptionId,
      resourceGroup,
      name: spec.name,
      spec,
      containers: spec.containers.map((container) => this.createRuntime(subscriptionId, resourceGroup, spec, container, now, faults)),
      createdAt: now,
      provisioningState: 'Creating',
      stopped: false,
      deleted: false,
    };
    this.live.set(keyOf(subscriptionId, resourceGroup, spec.name), record);
    this.everCreated.push(record);
    if (faults.vanish && matchesGroup(faults.vanish.match ?? {}, identity)) this.scheduleVanish(record, faults.vanish.afterMs);
    return record;
  }

  /** ACI answers once the containers are told to stop; the processes finish in the background. */
  stop(record: ContainerGroupRecord): void {
    record.stopped = true;
    const now = Date.now();
    void Promise.all(record.containers.map((container) => container.stop(now)));
  }

  /**
   * ACI's restart, start, and update of a group's properties: every container begins again from
   * its image, in place, under the same group (its log files continue).
   */
  restart(record: ContainerGroupRecord, now: number): void {
    const previous = record.containers;
    void Promise.all(previous.map((container) => container.stop(now)));
    const faults = this.options.faults();
    record.containers = record.spec.containers.map((container) =>
      this.createRuntime(record.subscriptionId, record.resourceGroup, record.spec, container, now, faults),
    );
    record.createdAt = now;
    record.stopped = false;
  }

  delete(record: ContainerGroupRecord): DeleteGroupOutcome {
    const slowDelete = this.options.faults().slowDelete;
    if (!slowDelete || slowDelete.seconds <= 0 || !matchesGroup(slowDelete.match ?? {}, identityOf(record.resourceGroup, record.spec))) {
      void this.remove(record);
      return { kind: 'deleted', record };
    }
    if (record.deleteOperationId === undefined) {
      const now = Date.now();
      record.provisioningState = 'Deleting';
      void Promise.all(record.containers.map((container) => container.stop(now)));
      record.deleteOperationId = this.options.operations.register(now, () =>
        record.deleted ? { status: 'Succeeded', endTime: new Date().toISOString() } : { status: 'Running' },
      );
      this.options.scheduler.after(slowDelete.seconds * 1000, () => void this.remove(record));
    }
    return { kind: 'accepted', operationId: record.deleteOperationId, record };
  }

  /** Applies a newly set (or cleared) vanish fault to the groups that already exist. */
  applyVanish(vanish: ActiveFaults['vanish']): void {
    for (const record of this.live.values()) {
      this.options.scheduler.cancel(record.vanishTimer);
      record.vanishTimer = undefined;
      if (vanish && matchesGroup(vanish.match ?? {}, identityOf(record.resourceGroup, record.spec))) this.scheduleVanish(record, vanish.afterMs);
    }
  }

  /** Removes every group and ends every container. */
  async close(): Promise<void> {
    await Promise.all([...this.live.values()].map((record) => this.remove(record)));
  }

  private createRuntime(
    subscriptionId: string,
    resourceGroup: string,
    spec: ContainerGroupSpec,
    container: ContainerGroupSpec['containers'][number],
    now: number,
    faults: ActiveFaults,
  ): ContainerRuntime {
    const neverStart =
      container.image.toLowerCase().includes(NEVER_STARTS_MARKER) ||
      matchesGroup(faults.neverStart, { ...identityOf(resourceGroup, spec), images: [container.image] });
    const pullDelayMs = Math.min(MAX_PULL_DELAY_MS, this.options.pullDelayMs);
    if (isSimImage(container.image)) {
      const parsed = parseSimSettings(container.environment);
      if ('problem' in parsed) throw new Error(`simulation settings of '${spec.name}' must be validated before creation: ${parsed.problem}`);
      return new SimContainer({ spec: container, settings: parsed.settings, createdAt: now, pullDelayMs, neverStart });
    }
    // one folder per subscription: the same group name in another subscription is another group
    const groupDir = pathInside(this.options.dataDir, 'containers', subscriptionId.toLowerCase(), resourceGroup.toLowerCase(), spec.name);
    mkdirSync(groupDir, { recursive: true });
    return new ProcessContainer({
      spec: container,
      createdAt: now,
      pullDelayMs,
      neverStart,
      cwd: this.options.workingDirectory,
      logFile: pathInside(groupDir, `${container.name}.log`),
    });
  }

  private scheduleVanish(record: ContainerGroupRecord, afterMs: number): void {
    record.vanishTimer = this.options.scheduler.after(afterMs, () => {
      record.vanishTimer = undefined;
      if (!record.deleted) void this.remove(record);
    });
  }

  private async remove(record: ContainerGroupRecord): Promise<void> {
    record.deleted = true;
    this.options.scheduler.cancel(record.vanishTimer);
    record.vanishTimer = undefined;
    this.live.delete(keyOf(record.subscriptionId, record.resourceGroup, record.name));
    const now = Date.now();
    await Promise.all(record.containers.map((container) => container.stop(now)));
  }
}

export function isSimImage(image: string): boolean {
  return image.toLowerCase().includes(SIM_IMAGE_MARKER);
}

export function identityOf(resourceGroup: string, spec: ContainerGroupSpec): GroupIdentity {
  return { resourceGroup, name: spec.name, images: spec.containers.map((container) => container.image) };
}

function keyOf(subscriptionId: string, resourceGroup: string, name: string): string {
  return `${subscriptionId}/${resourceGroup}/${name}`.toLowerCase();
}
