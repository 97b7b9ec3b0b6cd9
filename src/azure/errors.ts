/**
 * Azure failures as one typed error, so activities can decide between "retry later"
 * (Temporal retry policy, honouring Retry-After) and "fail the run now" without
 * parsing messages. Azure's own code and message are always kept verbatim.
 */
import { isRestError } from '@azure/core-rest-pipeline';
import { retryAfterMsFromHeaders } from '../budget/retryAfter';

export type AzureErrorKind =
  | 'throttled'
  | 'transient'
  | 'invalid-template'
  | 'resource-group-not-found'
  | 'not-found'
  | 'authorization'
  | 'image-pull'
  | 'quota'
  | 'conflict'
  | 'bad-request';

/** What the gateway was doing when Azure answered, for the "where" part of a message. */
export interface AzureErrorContext {
  /** e.g. "deploy", "get container group", "delete deployment". */
  operation: string;
  /** e.g. "container group 'etl-123' in resource group 'aci-flow-demo'". */
  resource?: string;
}

export interface AzureErrorFields {
  code: string;
  azureMessage: string;
  kind: AzureErrorKind;
  retryable: boolean;
  statusCode?: number;
  retryAfterMs?: number;
  target?: string;
  context?: AzureErrorContext;
  cause?: unknown;
  /** Replaces the kind's generic advice when the cause is known more precisely. */
  nextStep?: string;
}

export class AzureError extends Error {
  override readonly name = 'AzureError';
  /** Azure's error code verbatim (e.g. InaccessibleImage), or the Node network code (ECONNRESET). */
  readonly code: string;
  /** Azure's message verbatim, without the operation/resource prefix or hint. */
  readonly azureMessage: string;
  readonly statusCode?: number;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly kind: AzureErrorKind;
  /** The resource Azure blamed (error target or failed deployment operation's resource). */
  readonly target?: string;
  readonly operation?: string;
  readonly resource?: string;

  constructor(fields: AzureErrorFields) {
    super(composeMessage(fields), fields.cause === undefined ? undefined : { cause: fields.cause });
    this.code = fields.code;
    this.azureMessage = fields.azureMessage;
    this.statusCode = fields.statusCode;
    this.retryable = fields.retryable;
    this.retryAfterMs = fields.retryAfterMs;
    this.kind = fields.kind;
    this.target = fields.target;
    this.operation = fields.context?.operation;
    this.resource = fields.context?.resource;
  }
}

/** What the user can do about each kind; appended to the message. */
const NEXT_STEP: Record<AzureErrorKind, string> = {
  throttled: 'Azure Resource Manager is throttling this subscription; the call is retried after Retry-After.',
  transient: 'this is usually temporary; the call is retried.',
  'invalid-template': 'fix the ARM template (arm_template / arm_template_patches in the work pool) or the deployment parameters.',
  'resource-group-not-found': 'create the resource group or set resource_group_name in the work pool to an existing one.',
  'not-found': 'the resource does not exist (any more); check its name and whether someone deleted it.',
  authorization: 'grant the worker identity access (e.g. Contributor on the resource group) or fix the credential configuration.',
  'image-pull': 'check the image name and tag, and the registry credentials (image_registry) or managed identity that pulls it.',
  quota: 'free capacity (delete unused container groups) or request a quota increase for the region.',
  conflict: 'another operation holds the resource; wait for it to finish.',
  'bad-request': 'Azure rejected the request; correct it as the message says.',
};

function composeMessage(fields: AzureErrorFields): string {
  const where = fields.context ? `${fields.context.operation}${fields.context.resource ? ` ${fields.context.resource}` : ''} failed: ` : '';
  const status = fields.statusCode === undefined ? '' : ` (HTTP ${fields.statusCode})`;
  const target = fields.target ? ` [target: ${fields.target}]` : '';
  return `${where}${fields.code}${status}: ${fields.azureMessage}${target} — ${fields.nextStep ?? NEXT_STEP[fields.kind]}`;
}

/** An ARM error body: `{ code, message, target?, details? }` (the `error` member of Azure error responses). */
export interface ArmErrorBody {
  code?: string;
  message?: string;
  target?: string;
  details?: ArmErrorBody[];
}

/** Node / undici socket errors that mean "the request may not have reached Azure; try again". */
const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'REQUEST_SEND_ERROR',
]);

/** One row of the classification: an error is of this kind when Azure's code or the HTTP status matches. */
interface ErrorClass {
  kind: AzureErrorKind;
  retryable: boolean;
  codes?: ReadonlySet<string>;
  codePattern?: RegExp;
  status?: (statusCode: number) => boolean;
}

/**
 * Azure's code first (it is more specific), then the HTTP status: the first row that matches
 * decides; no match is a bad request.
 */
const ERROR_CLASSES: readonly ErrorClass[] = [
  {
    kind: 'throttled',
    retryable: true,
    codes: new Set(['TooManyRequests', 'ResourceRequestsThrottled', 'SubscriptionRequestsThrottled']),
    status: (statusCode) => statusCode === 429,
  },
  { kind: 'resource-group-not-found', retryable: false, codes: new Set(['ResourceGroupNotFound']) },
  { kind: 'image-pull', retryable: false, codes: new Set(['InaccessibleImage', 'RegistryErrorResponse', 'ImagePullFailed']) },
  { kind: 'quota', retryable: false, codePattern: /quota/i },
  {
    kind: 'invalid-template',
    retryable: false,
    codes: new Set([
      'InvalidTemplate',
      'InvalidTemplateDeployment',
      'InvalidDeploymentParameterValue',
      'InvalidRequestContent',
      'InvalidParameter',
      'MissingRequiredParameter',
    ]),
  },
  {
    kind: 'authorization',
    retryable: false,
    codes: new Set([
      'AuthorizationFailed',
      'LinkedAuthorizationFailed',
      'AuthenticationFailed',
      'InvalidAuthenticationToken',
      'InvalidAuthenticationTokenTenant',
      'ExpiredAuthenticationToken',
      'SubscriptionNotFound',
      'MissingSubscriptionRegistration',
      'RequestDisallowedByPolicy',
    ]),
    status: (statusCode) => statusCode === 401 || statusCode === 403,
  },
  // Conflicts that clear by themselves once the other operation finishes.
  { kind: 'conflict', retryable: true, codes: new Set(['AnotherOperationInProgress', 'DeploymentActive', 'OperationInProgress']) },
  {
    kind: 'transient',
    retryable: true,
    // The codes ARM uses inside failed deployments for server-side, temporary failures, and socket errors.
    codes: new Set([
      ...[
        'InternalServerError',
        'InternalError',
        'ServiceUnavailable',
        'GatewayTimeout',
        'BadGateway',
        'RequestTimeout',
        'OperationTimedOut',
        'RetryableError',
      ],
      ...NETWORK_ERROR_CODES,
    ]),
    status: (statusCode) => statusCode >= 500 || statusCode === 408,
  },
  { kind: 'not-found', retryable: false, codePattern: /NotFound$/, status: (statusCode) => statusCode === 404 },
  { kind: 'conflict', retryable: false, codes: new Set(['Conflict']), status: (statusCode) => statusCode === 409 },
];

/** What @azure/identity throws when no token could be had (DefaultAzureCredential wraps several in the aggregate). */
const CREDENTIAL_ERROR_NAMES = new Set(['CredentialUnavailableError', 'AuthenticationError', 'AggregateAuthenticationError', 'AuthenticationRequiredError']);

/** Node's certificate verification failures: retrying cannot help, trusting the right CA does. */
const TLS_ERROR_CODE = /CERT|SIGNATURE|SELF_SIGNED|TLS/;
const TLS_NEXT_STEP = "the endpoint's TLS certificate is not trusted; for the emulator set ACI_FLOW_ARM_CA_FILE (or caCertPem) to its CA certificate.";

/** HTTP status names ARM writes into deployment operations (`statusCode: "BadRequest"`). */
const STATUS_NAMES: Record<string, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  TooManyRequests: 429,
  InternalServerError: 500,
  BadGateway: 502,
  ServiceUnavailable: 503,
  GatewayTimeout: 504,
};

export function httpStatusFromName(name: string | undefined): number | undefined {
  if (name === undefined) return undefined;
  if (/^\d{3}$/.test(name)) return Number(name);
  return STATUS_NAMES[name];
}

/** Decides kind and retryability by ERROR_CLASSES. */
export function classify(code: string, statusCode?: number): { kind: AzureErrorKind; retryable: boolean } {
  const matches = (row: ErrorClass) =>
    row.codes?.has(code) === true || row.codePattern?.test(code) === true || (statusCode !== undefined && row.status?.(statusCode) === true);
  const { kind, retryable } = ERROR_CLASSES.find(matches) ?? { kind: 'bad-request', retryable: false };
  return { kind, retryable };
}

/**
 * ARM often nests the real cause: DeploymentFailed → details[] → BadRequest whose message is
 * itself a JSON error body (`{"error":{"code":"InaccessibleImage",...}}`). Returns the
 * innermost, most specific error.
 */
export function innermostArmError(body: ArmErrorBody): ArmErrorBody {
  const unwrapped = parseJsonErrorMessage(body) ?? body;
  const firstDetail = unwrapped.details?.find((detail) => detail.code || detail.message);
  if (!firstDetail) return unwrapped;
  const inner = innermostArmError(firstDetail);
  return { ...inner, target: inner.target ?? unwrapped.target };
}

function parseJsonErrorMessage(body: ArmErrorBody): ArmErrorBody | undefined {
  const text = body.message?.trim();
  if (!text?.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(text) as { error?: ArmErrorBody } & ArmErrorBody;
    const inner = parsed.error ?? parsed;
    return typeof inner.code === 'string' ? { ...inner, target: inner.target ?? body.target } : undefined;
  } catch {
    return undefined;
  }
}

function isArmErrorBody(value: unknown): value is ArmErrorBody {
  if (typeof value !== 'object' || value === null || value instanceof Error) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.code === 'string' && typeof candidate.message === 'string';
}

/** Builds an AzureError from an ARM error body (e.g. a failed deployment's inner error). */
export function fromArmErrorBody(
  body: ArmErrorBody,
  context?: AzureErrorContext,
  response: { statusCode?: number; retryAfterMs?: number; cause?: unknown } = {},
): AzureError {
  const inner = innermostArmError(body);
  const code = inner.code ?? body.code ?? 'UnknownError';
  return new AzureError({
    code,
    azureMessage: inner.message ?? body.message ?? '(Azure sent no message)',
    target: inner.target,
    context,
    ...response,
    ...classify(code, response.statusCode),
  });
}

function armErrorBodyOf(response: unknown): ArmErrorBody | undefined {
  const parsedBody = (response as { parsedBody?: unknown } | undefined)?.parsedBody as { error?: unknown } | undefined;
  if (parsedBody && isArmErrorBody(parsedBody.error)) return parsedBody.error;
  const text = (response as { bodyAsText?: unknown } | undefined)?.bodyAsText;
  if (typeof text !== 'string') return undefined;
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    return isArmErrorBody(parsed.error) ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Maps anything thrown by the Azure SDKs (RestError, network errors, aborts, failed
 * deployment bodies) to an AzureError. An AzureError passes through unchanged.
 */
export function toAzureError(err: unknown, context?: AzureErrorContext): AzureError {
  if (err instanceof AzureError) return err;

  if (isRestError(err)) {
    const statusCode = err.statusCode;
    const headers = err.response?.headers;
    const retryAfterMs = headers ? retryAfterMsFromHeaders(headers) : undefined;
    const body = armErrorBodyOf(err.response);
    if (body && statusCode !== undefined && statusCode !== 429 && statusCode < 500) {
      return fromArmErrorBody(body, context, { statusCode, retryAfterMs, cause: err });
    }
    const code = err.code ?? body?.code ?? (statusCode === undefined ? 'REQUEST_SEND_ERROR' : `Http${statusCode}`);
    const tlsFailure = statusCode === undefined && TLS_ERROR_CODE.test(code);
    return new AzureError({
      nextStep: tlsFailure ? TLS_NEXT_STEP : undefined,
      code,
      azureMessage: body?.message ?? (err.message || `HTTP ${statusCode ?? 'request'} failed`),
      statusCode,
      retryAfterMs,
      target: body?.target,
      context,
      cause: err,
      ...classify(code, statusCode),
    });
  }

  if (isArmErrorBody(err)) return fromArmErrorBody(err, context);

  if (err instanceof Error) {
    if (err.name === 'AbortError') {
      // The caller (activity cancellation or a timeout) gave up on the request; whether to try
      // again is the caller's decision, so it is not a reason to fail a run.
      return new AzureError({
        code: 'RequestAborted',
        azureMessage: err.message || 'The request was aborted.',
        kind: 'transient',
        retryable: true,
        context,
        cause: err,
      });
    }
    const networkCode = (err as { code?: unknown }).code;
    if (typeof networkCode === 'string' && NETWORK_ERROR_CODES.has(networkCode)) {
      return new AzureError({ code: networkCode, azureMessage: err.message, kind: 'transient', retryable: true, context, cause: err });
    }
    if (/socket hang up/i.test(err.message)) {
      return new AzureError({ code: 'ECONNRESET', azureMessage: err.message, kind: 'transient', retryable: true, context, cause: err });
    }
    if (CREDENTIAL_ERROR_NAMES.has(err.name)) {
      // An identity endpoint (managed identity, Entra ID) that answered 5xx/429 is a blip, not a bad credential.
      const statusCode = (err as { statusCode?: unknown }).statusCode;
      const byStatus = typeof statusCode === 'number' ? classify(err.name, statusCode) : undefined;
      return new AzureError({
        code: err.name,
        azureMessage: err.message,
        ...(byStatus?.retryable ? byStatus : { kind: 'authorization', retryable: false }),
        context,
        cause: err,
      });
    }
    return new AzureError({ code: err.name || 'Error', azureMessage: err.message, kind: 'bad-request', retryable: false, context, cause: err });
  }

  return new AzureError({ code: 'UnknownError', azureMessage: String(err), kind: 'bad-request', retryable: false, context });
}
