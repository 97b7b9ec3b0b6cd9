import { createHttpHeaders, createPipelineRequest, RestError, type PipelineResponse } from '@azure/core-rest-pipeline';
import { AzureError, classify, innermostArmError, toAzureError, type AzureErrorKind } from '../../../src/azure/errors';

const context = { operation: 'deploy', resource: "deployment 'aci-flow-etl-1' in resource group 'aci-flow-demo'" };

/** A RestError shaped like the ones core-client throws for ARM error responses. */
function armRestError(
  statusCode: number,
  body?: { code: string; message: string; details?: unknown[]; target?: string },
  headers: Record<string, string> = {},
): RestError {
  const request = createPipelineRequest({ url: 'https://management.azure.com/subscriptions/s/resourceGroups/rg' });
  const bodyAsText = body ? JSON.stringify({ error: body }) : '';
  const response: PipelineResponse = {
    request,
    status: statusCode,
    headers: createHttpHeaders(headers),
    bodyAsText,
    parsedBody: body ? { error: body } : undefined,
  } as PipelineResponse & { parsedBody?: unknown };
  const error = new RestError(body?.message ?? bodyAsText, { statusCode, request, response });
  error.code = body?.code;
  return error;
}

function networkRestError(code: string): RestError {
  return new RestError(`connect ${code} 127.0.0.1:443`, { code, request: createPipelineRequest({ url: 'https://x' }) });
}

function nodeError(message: string, code?: string): Error {
  return Object.assign(new Error(message), code ? { code } : {});
}

interface Row {
  situation: string;
  thrown: unknown;
  kind: AzureErrorKind;
  retryable: boolean;
  code: string;
  statusCode?: number;
  retryAfterMs?: number;
}

const table: Row[] = [
  {
    situation: '429 with Retry-After seconds',
    thrown: armRestError(429, { code: 'SubscriptionRequestsThrottled', message: 'Number of read requests exceeded.' }, { 'retry-after': '7' }),
    kind: 'throttled',
    retryable: true,
    code: 'SubscriptionRequestsThrottled',
    statusCode: 429,
    retryAfterMs: 7000,
  },
  {
    situation: '429 with x-ms-retry-after-ms',
    thrown: armRestError(429, { code: 'TooManyRequests', message: 'slow down' }, { 'x-ms-retry-after-ms': '1500', 'retry-after': '2' }),
    kind: 'throttled',
    retryable: true,
    code: 'TooManyRequests',
    statusCode: 429,
    retryAfterMs: 1500,
  },
  {
    situation: '503 ServiceUnavailable',
    thrown: armRestError(503, { code: 'ServiceUnavailable', message: 'The service is unavailable.' }),
    kind: 'transient',
    retryable: true,
    code: 'ServiceUnavailable',
    statusCode: 503,
  },
  {
    situation: '500 without an error body',
    thrown: armRestError(500),
    kind: 'transient',
    retryable: true,
    code: 'Http500',
    statusCode: 500,
  },
  {
    situation: '502 with a non-ARM code',
    thrown: armRestError(502, { code: 'SomethingOdd', message: 'upstream failed' }),
    kind: 'transient',
    retryable: true,
    code: 'SomethingOdd',
    statusCode: 502,
  },
  { situation: 'connection reset (RestError)', thrown: networkRestError('ECONNRESET'), kind: 'transient', retryable: true, code: 'ECONNRESET' },
  { situation: 'connection refused (RestError)', thrown: networkRestError('ECONNREFUSED'), kind: 'transient', retryable: true, code: 'ECONNREFUSED' },
  { situation: 'timeout (Node error)', thrown: nodeError('connect ETIMEDOUT', 'ETIMEDOUT'), kind: 'transient', retryable: true, code: 'ETIMEDOUT' },
  { situation: 'socket hang up', thrown: nodeError('socket hang up'), kind: 'transient', retryable: true, code: 'ECONNRESET' },
  {
    situation: 'aborted request',
    thrown: Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' }),
    kind: 'transient',
    retryable: true,
    code: 'RequestAborted',
  },
  {
    situation: '400 InvalidTemplate',
    thrown: armRestError(400, {
      code: 'InvalidTemplate',
      message: "Deployment template validation failed: 'The resource 'x' is not defined in the template.'",
    }),
    kind: 'invalid-template',
    retryable: false,
    code: 'InvalidTemplate',
    statusCode: 400,
  },
  {
    situation: '400 InvalidTemplateDeployment wrapping the real cause',
    thrown: armRestError(400, {
      code: 'InvalidTemplateDeployment',
      message: 'The template deployment is not valid according to the validation procedure.',
      details: [{ code: 'ContainerGroupQuotaReached', message: 'Resource type Microsoft.ContainerInstance/containerGroups has reached its quota.' }],
    }),
    kind: 'quota',
    retryable: false,
    code: 'ContainerGroupQuotaReached',
    statusCode: 400,
  },
  {
    situation: '404 ResourceGroupNotFound',
    thrown: armRestError(404, { code: 'ResourceGroupNotFound', message: "Resource group 'nope' could not be found." }),
    kind: 'resource-group-not-found',
    retryable: false,
    code: 'ResourceGroupNotFound',
    statusCode: 404,
  },
  {
    situation: '404 ResourceNotFound',
    thrown: armRestError(404, { code: 'ResourceNotFound', message: "The Resource 'Microsoft.ContainerInstance/containerGroups/x' was not found." }),
    kind: 'not-found',
    retryable: false,
    code: 'ResourceNotFound',
    statusCode: 404,
  },
  {
    situation: '403 AuthorizationFailed',
    thrown: armRestError(403, { code: 'AuthorizationFailed', message: "The client 'abc' does not have authorization to perform action." }),
    kind: 'authorization',
    retryable: false,
    code: 'AuthorizationFailed',
    statusCode: 403,
  },
  {
    situation: '401 InvalidAuthenticationToken',
    thrown: armRestError(401, { code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' }),
    kind: 'authorization',
    retryable: false,
    code: 'InvalidAuthenticationToken',
    statusCode: 401,
  },
  {
    situation: 'InaccessibleImage deployment inner error body',
    thrown: { code: 'InaccessibleImage', message: "The image 'nope/does-not-exist:1' in container group 'g' is not accessible." },
    kind: 'image-pull',
    retryable: false,
    code: 'InaccessibleImage',
  },
  {
    situation: 'DeploymentFailed whose detail message is a JSON error body',
    thrown: {
      code: 'DeploymentFailed',
      message: 'At least one resource deployment operation failed.',
      details: [{ code: 'BadRequest', message: JSON.stringify({ error: { code: 'InaccessibleImage', message: "The image 'x' is not accessible." } }) }],
    },
    kind: 'image-pull',
    retryable: false,
    code: 'InaccessibleImage',
  },
  {
    situation: 'ContainerGroupQuotaReached',
    thrown: armRestError(409, { code: 'ContainerGroupQuotaReached', message: 'Resource type has reached its quota of 100.' }),
    kind: 'quota',
    retryable: false,
    code: 'ContainerGroupQuotaReached',
    statusCode: 409,
  },
  {
    situation: '409 AnotherOperationInProgress',
    thrown: armRestError(409, { code: 'AnotherOperationInProgress', message: 'Another operation on this resource is in progress.' }),
    kind: 'conflict',
    retryable: true,
    code: 'AnotherOperationInProgress',
    statusCode: 409,
  },
  {
    situation: '409 Conflict',
    thrown: armRestError(409, { code: 'Conflict', message: 'The resource is in a conflicting state.' }),
    kind: 'conflict',
    retryable: false,
    code: 'Conflict',
    statusCode: 409,
  },
  {
    situation: 'other 400',
    thrown: armRestError(400, { code: 'InvalidContainerGroupName', message: "The container group name 'A_B' is invalid." }),
    kind: 'bad-request',
    retryable: false,
    code: 'InvalidContainerGroupName',
    statusCode: 400,
  },
  {
    situation: 'missing credential',
    thrown: Object.assign(new Error('DefaultAzureCredential failed to retrieve a token.'), { name: 'CredentialUnavailableError' }),
    kind: 'authorization',
    retryable: false,
    code: 'CredentialUnavailableError',
  },
  {
    situation: 'DefaultAzureCredential with every credential failing',
    thrown: Object.assign(new Error('ChainedTokenCredential authentication failed.'), { name: 'AggregateAuthenticationError' }),
    kind: 'authorization',
    retryable: false,
    code: 'AggregateAuthenticationError',
  },
  {
    situation: 'token request rejected by Entra ID',
    thrown: Object.assign(new Error('invalid_client Status code: 401'), { name: 'AuthenticationError', statusCode: 401 }),
    kind: 'authorization',
    retryable: false,
    code: 'AuthenticationError',
  },
  {
    situation: 'managed identity endpoint answering 503',
    thrown: Object.assign(new Error('Service Unavailable Status code: 503'), { name: 'AuthenticationError', statusCode: 503 }),
    kind: 'transient',
    retryable: true,
    code: 'AuthenticationError',
  },
  { situation: 'a thrown string', thrown: 'boom', kind: 'bad-request', retryable: false, code: 'UnknownError' },
];

describe('toAzureError', () => {
  it.each(table)('maps $situation to $kind (retryable: $retryable) keeping code $code', (row) => {
    const error = toAzureError(row.thrown, context);

    expect(error).toBeInstanceOf(AzureError);
    expect(error).toMatchObject({ kind: row.kind, retryable: row.retryable, code: row.code });
    expect(error.statusCode).toBe(row.statusCode);
    expect(error.retryAfterMs).toBe(row.retryAfterMs);
  });

  it("keeps Azure's code and message verbatim and says what, where and what to do next", () => {
    const azureMessage = "Resource group 'nope' could not be found.";
    const error = toAzureError(armRestError(404, { code: 'ResourceGroupNotFound', message: azureMessage }), {
      operation: 'deploy',
      resource: "deployment 'd' in resource group 'nope'",
    });

    expect(error.azureMessage).toBe(azureMessage);
    expect(error.message).toContain(`ResourceGroupNotFound (HTTP 404): ${azureMessage}`);
    expect(error.message).toMatch(/^deploy deployment 'd' in resource group 'nope' failed: /);
    expect(error.message).toContain('create the resource group');
    expect(error.operation).toBe('deploy');
  });

  it('surfaces the innermost error of a failed deployment with its target', () => {
    const error = toAzureError(
      {
        code: 'DeploymentFailed',
        message: 'At least one resource deployment operation failed.',
        details: [{ code: 'Conflict', message: 'wrapper', target: 'etl-1', details: [{ code: 'InaccessibleImage', message: 'image gone' }] }],
      },
      context,
    );

    expect(error).toMatchObject({ code: 'InaccessibleImage', azureMessage: 'image gone', target: 'etl-1', kind: 'image-pull' });
    expect(error.message).toContain('[target: etl-1]');
  });

  it('explains an untrusted TLS certificate as a CA problem, not retryable', () => {
    const error = toAzureError(networkRestError('SELF_SIGNED_CERT_IN_CHAIN'), context);

    expect(error).toMatchObject({ kind: 'bad-request', retryable: false, code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    expect(error.message).toContain('ACI_FLOW_ARM_CA_FILE');
  });

  it('passes an AzureError through unchanged', () => {
    const original = toAzureError(armRestError(503), context);
    expect(toAzureError(original, { operation: 'other' })).toBe(original);
  });

  it('keeps the original error as cause for debugging', () => {
    const thrown = networkRestError('ECONNRESET');
    expect(toAzureError(thrown, context).cause).toBe(thrown);
  });
});

describe('innermostArmError', () => {
  it('returns the body itself when it has no details', () => {
    expect(innermostArmError({ code: 'InvalidTemplate', message: 'bad' })).toEqual({ code: 'InvalidTemplate', message: 'bad' });
  });

  it('ignores a message that only looks like JSON', () => {
    expect(innermostArmError({ code: 'BadRequest', message: '{not json' })).toEqual({ code: 'BadRequest', message: '{not json' });
  });
});

describe('classify: the first matching class, in order', () => {
  it.each([
    ['InaccessibleImage', 429, 'throttled', true, 'a 429 is throttling whatever the code'],
    ['QuotaExceeded', 403, 'quota', false, 'a known code beats 401/403'],
    ['OperationInProgress', 403, 'authorization', false, 'a 401/403 beats the codes that clear by themselves'],
    ['InternalServerError', 404, 'transient', true, 'a transient code beats 404'],
    ['SomethingElse', 503, 'transient', true, 'a 5xx is transient'],
    ['ResourceNotFound', 400, 'not-found', false, 'a code ending NotFound is not-found'],
    ['Conflict', undefined, 'conflict', false, "ARM's plain Conflict is not retried"],
    ['AnotherOperationInProgress', 409, 'conflict', true, 'a conflict that clears by itself is retried'],
    ['constructor', undefined, 'bad-request', false, 'an unknown code without a status is a bad request'],
  ] as const)('%s with status %s is %s (retryable %s): %s', (code, statusCode, kind, retryable, _why) => {
    expect(classify(code, statusCode)).toEqual({ kind, retryable });
  });
});
