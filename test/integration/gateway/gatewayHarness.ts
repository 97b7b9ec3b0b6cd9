import { randomUUID } from 'node:crypto';
import type { ArmGateway } from '../../../src/azure/armGateway';
import { createGateway } from '../../../src/azure/credentials';
import type { ContainerGroupRef, ContainerGroupView } from '../../../src/azure/gateway';
import { parseJobConfiguration, type JobConfigurationInput } from '../../../src/config';
import { startEmulator, type RunningEmulator } from '../../helpers/checkedEmulator';
import { prepareDeployment, type PreparedDeployment } from '../../../src/template/prepare';
import { waitFor } from '../../helpers/waitFor';

export const SUBSCRIPTION_ID = '00000000-0000-4000-8000-000000000001';
export const RESOURCE_GROUP = 'aci-flow-test';

/** A gateway tuned for the emulator: fast LRO polls and short SDK retry delays. */
export function emulatorGateway(emulator: RunningEmulator, overrides: Parameters<typeof createGateway>[1] = {}): ArmGateway {
  return createGateway(
    { endpoint: emulator.endpoint, caCertPem: emulator.caCertPem, pollIntervalMs: 100 },
    { retryOptions: { maxRetries: 2, retryDelayInMs: 50, maxRetryDelayInMs: 200 }, ...overrides },
  );
}

export { startEmulator };

/** The deployment aci-flow would prepare for one flow run with these job settings. */
export function prepareRun(flowName: string, settings: Partial<JobConfigurationInput> = {}): PreparedDeployment {
  const flowRunId = randomUUID().slice(0, 8);
  const configuration = parseJobConfiguration({
    subscription_id: SUBSCRIPTION_ID,
    resource_group_name: RESOURCE_GROUP,
    ...settings,
  });
  return prepareDeployment(configuration, { flowRunId, flowName, workflowId: `flow-run-${flowRunId}` });
}

export function refOf(prepared: PreparedDeployment): ContainerGroupRef {
  return {
    subscriptionId: prepared.subscriptionId,
    resourceGroupName: prepared.resourceGroupName,
    containerGroupName: prepared.containerGroupName,
  };
}

/** Polls `read` until `accept` holds; the test's own loop, the gateway has none. */
export async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  let last: T | undefined;
  const accepted = await waitFor(
    async () => {
      last = await read();
      return accept(last) ? { value: last } : undefined;
    },
    'the condition',
    { timeoutMs, lastSeen: () => JSON.stringify(last) },
  );
  return accepted.value;
}

export function containerState(view: ContainerGroupView | undefined): string | undefined {
  return view?.containers[0]?.currentState?.state;
}
