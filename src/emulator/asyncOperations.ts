import { randomUUID } from 'node:crypto';
import type { DeploymentError } from './deployment';
import { ArmError } from './errors';

/** The body of an `Azure-AsyncOperation` status URL. */
export interface AsyncOperationStatus {
  id: string;
  name: string;
  status: 'Running' | 'Succeeded' | 'Failed' | 'Canceled';
  startTime: string;
  endTime?: string;
  error?: DeploymentError;
}

type CurrentStatus = Omit<AsyncOperationStatus, 'id' | 'name' | 'startTime'>;

/** Long-running operations whose status is read from the record they track, never stored twice. */
export class AsyncOperations {
  private readonly operations = new Map<string, { id: string; startedAt: number; current: () => CurrentStatus }>();

  /** Registers an operation and returns its id (ARM-style: 32 upper-case hex digits). */
  register(startedAt: number, current: () => CurrentStatus): string {
    const id = randomUUID().replace(/-/g, '').toUpperCase();
    this.operations.set(id, { id, startedAt, current });
    return id;
  }

  status(operationId: string): AsyncOperationStatus {
    const operation = this.operations.get(operationId.toUpperCase());
    if (!operation) {
      throw new ArmError(404, 'OperationNotFound', `The operation '${operationId}' could not be found. It may have expired or never existed.`);
    }
    return { id: operation.id, name: operation.id, startTime: new Date(operation.startedAt).toISOString(), ...operation.current() };
  }
}
