import { defaultBaseJobTemplate } from '../../../src/config';
import { fixedPoolSource, type PoolSource } from '../../../src/config/poolSource';
/** An in-memory AciGateway whose one container group the test scripts step by step. */
import { RestError } from '@azure/core-rest-pipeline';
import { AuthenticationError, CredentialUnavailableError } from '@azure/identity';
import type { ApplicationFailure } from '@temporalio/common';
import {
  type AciGateway,
  type CancelDeploymentOutcome,
  type ContainerGroupView,
  type ContainerState,
  type DeleteRequest,
  type DeployOptions,
  type DeploymentRef,
  type DeploymentRequest,
  type LogsRequest,
  type OperationOptions,
} from '../../../src/azure/gateway';
import { FLOW_RUN_ID_TAG, MANAGED_BY_TAG, MANAGED_BY_VALUE, WORKFLOW_ID_TAG } from '../../../src/template/deployment';
import type { FlowRunTarget } from '../../../src/activities/types';

export const TARGET: FlowRunTarget = {
  subscriptionId: '11111111-2222-3333-4444-555555555555',
  resourceGroupName: 'rg',
  containerGroupName: 'etl-run-1',
  containerName: 'etl',
  deploymentName: 'aci-flow-etl-run-1',
};

/** A pool of aci-flow's default template, with `job_configuration` additions (its policy, e.g. run_secret_names). */
export function testPool(jobConfiguration: Record<string, unknown> = {}, variableDefaults: Record<string, unknown> = {}): PoolSource {
  const template = defaultBaseJobTemplate();
  Object.assign(template.job_configuration, jobConfiguration);
  for (const [name, value] of Object.entries(variableDefaults)) (template.variables.properties[name] as Record<string, unknown>).default = value;
  return fixedPoolSource({ name: 'test', base_job_template: template, source: 'test' });
}

/** The run TARGET belongs to, as its tags say. */
export const OWNER = { flowRunId: 'run-1', flowName: 'etl', workflowId: 'flow-run-run-1' };
export const OWNER_TAGS = { [MANAGED_BY_TAG]: MANAGED_BY_VALUE, [FLOW_RUN_ID_TAG]: OWNER.flowRunId, [WORKFLOW_ID_TAG]: OWNER.workflowId };

export class FakeGateway implements AciGateway {
  exists = true;
  /** The group's tags: TARGET's run unless a test makes the group someone else's. */
  tags: Record<string, string> = { ...OWNER_TAGS };
  state: ContainerState = { state: 'Waiting', detailStatus: 'Pulling' };
  events: ContainerGroupView['events'] = [];
  /** Timestamped log lines, oldest first. */
  logLines: Array<{ timestamp: string; text: string }> = [];
  logRequests: LogsRequest[] = [];
  deployments: DeploymentRequest[] = [];
  deleted = 0;
  deleteRequests: DeleteRequest[] = [];
  stopped = 0;
  /** Thrown by the next call of the named method, once. */
  failNext: Partial<Record<keyof AciGateway, unknown>> = {};
  /** Thrown by the next calls of the named method, one per call, in order. */
  failNextCalls: Partial<Record<keyof AciGateway, unknown[]>> = {};
  /** Calls per method, failed ones included. */
  calls: Partial<Record<keyof AciGateway, number>> = {};
  /** Runs before every getContainerGroup: lets a test move the container along as polls happen. */
  onPoll: (poll: number) => void = () => undefined;
  /** Awaited by every getContainerGroup before it answers: holds the read the way a spent ARM budget does. */
  readGate: Promise<void> = Promise.resolve();
  private polls = 0;

  log(timestamp: string, text: string): void {
    this.logLines.push({ timestamp, text });
  }

  private failIfScripted(method: keyof AciGateway): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
    const queued = this.failNextCalls[method];
    if (queued?.length) throw queued.shift();
    if (!(method in this.failNext)) return;
    const error = this.failNext[method];
    delete this.failNext[method];
    throw error;
  }

  /** Whether each deploy call looked for an earlier attempt's deployment, in call order. */
  deploymentLookUps: boolean[] = [];

  async deploy(request: DeploymentRequest, options: DeployOptions = {}) {
    this.failIfScripted('deploy');
    const lookForEarlier = options.lookForEarlierDeployment ?? true;
    this.deploymentLookUps.push(lookForEarlier);
    // As ARM would: without the look-up, the PUT deploys over whatever record has this name.
    const earlier = lookForEarlier ? this.deployments.find((deployment) => deployment.deploymentName === request.deploymentName) : undefined;
    if (earlier) return { deploymentName: request.deploymentName, provisioningState: 'Succeeded', adopted: true, tags: earlier.tags };
    this.deployments.push(request);
    this.exists = true;
    this.tags = { ...request.tags };
    return { deploymentName: request.deploymentName, provisioningState: 'Succeeded', adopted: false, tags: request.tags };
  }

  /** The priority each call asked for, in call order (undefined: routine). */
  priorities: Array<{ method: keyof AciGateway; priority: number | undefined }> = [];

  async getContainerGroup(_ref?: unknown, options: OperationOptions = {}): Promise<ContainerGroupView | undefined> {
    this.priorities.push({ method: 'getContainerGroup', priority: options.priority });
    await this.readGate;
    this.failIfScripted('getContainerGroup');
    this.onPoll(++this.polls);
    if (!this.exists) return undefined;
    return {
      name: TARGET.containerGroupName,
      tags: { ...this.tags },
      events: [],
      containers: [{ name: TARGET.containerName, currentState: { ...this.state }, events: this.events }],
    };
  }

  async getLogs(request: LogsRequest): Promise<string> {
    this.failIfScripted('getLogs');
    this.logRequests.push(request);
    const lines = request.tail === undefined ? this.logLines : this.logLines.slice(-request.tail);
    return lines.map((line) => `${line.timestamp} ${line.text}\n`).join('');
  }

  cancelRequests: DeploymentRef[] = [];

  async cancelDeployment(ref: DeploymentRef, options: OperationOptions = {}): Promise<CancelDeploymentOutcome> {
    this.priorities.push({ method: 'cancelDeployment', priority: options.priority });
    this.failIfScripted('cancelDeployment');
    this.cancelRequests.push(ref);
    return this.deployments.some((deployment) => deployment.deploymentName === ref.deploymentName) ? 'finished' : 'absent';
  }

  async stopContainerGroup(_ref?: unknown, options: OperationOptions = {}): Promise<void> {
    this.priorities.push({ method: 'stopContainerGroup', priority: options.priority });
    this.failIfScripted('stopContainerGroup');
    this.stopped += 1;
  }

  async deleteContainerGroup(request: DeleteRequest, options: OperationOptions = {}): Promise<void> {
    this.priorities.push({ method: 'deleteContainerGroup', priority: options.priority });
    this.failIfScripted('deleteContainerGroup');
    this.deleteRequests.push(request);
    this.deleted += 1;
    this.exists = false;
  }

  async listManagedContainerGroups() {
    return [];
  }

  async listManagedDeployments() {
    return [];
  }
}

/** A log sink that records what it was given, with the same exactly-once rule as the real one. */
export function memoryLogSink() {
  const written: string[] = [];
  return {
    written,
    sink: {
      async open() {
        return {
          linesRecorded: () => written.length,
          async write(lines: readonly string[], firstIndex: number) {
            written.push(...lines.slice(Math.max(0, written.length - firstIndex)));
          },
        };
      },
    },
  };
}

/** The failure a promise rejected with; fails the test if it resolved. */
export async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (err) {
    return err as ApplicationFailure;
  }
  throw new Error('expected the activity to fail, but it completed');
}

/**
 * What a poll can hit while the run is healthy, each with what its poll error message must mention:
 * a credential briefly unavailable, a token endpoint hiccup, 401/403 before a role
 * assignment propagates, 5xx, a reset connection, and an error nobody classified.
 */
export function transientPollErrors(): Array<{ error: unknown; mentions: string }> {
  return [
    { error: new CredentialUnavailableError('ManagedIdentityCredential: no response from the IMDS endpoint'), mentions: 'CredentialUnavailableError' },
    { error: new AuthenticationError(503, { error: 'service_unavailable', error_description: 'try again' }), mentions: 'AuthenticationError' },
    { error: new RestError('The access token is invalid.', { code: 'InvalidAuthenticationToken', statusCode: 401 }), mentions: 'InvalidAuthenticationToken' },
    {
      error: new RestError("The client 'w' does not have authorization to perform action 'read'.", { code: 'AuthorizationFailed', statusCode: 403 }),
      mentions: 'AuthorizationFailed',
    },
    { error: new RestError('Internal server error', { statusCode: 500 }), mentions: 'Http500' },
    { error: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), mentions: 'ECONNRESET' },
    { error: new Error('something nobody anticipated'), mentions: 'something nobody anticipated' },
  ];
}
