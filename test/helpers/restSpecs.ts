/**
 * Microsoft's published REST API specifications (Swagger 2.0, vendored verbatim under
 * test/fixtures/azure-specs/azure-rest-api-specs, see SOURCES.md there) as a response checker:
 * which operation a request is, and whether a response matches that operation's schema for its
 * status. Ajv does the checking; what Swagger adds over JSON Schema is mapped here:
 * - `x-ms-*`, `readOnly`, `discriminator` and the like are annotations (strict: false ignores them);
 * - formats int32 / double / date-time come from ajv-formats;
 * - a model is closed, as Azure's own response validator treats it: a property the spec does not
 *   define is a violation. `unevaluatedProperties: false` is added to each object model, except
 *   where the model is one member of an `allOf` (its siblings' properties belong to the whole);
 * - a `$ref` into another vendored file (the common-types error and status models) is resolved by
 *   Ajv: each file is registered under a URL built from its path in the repository, so the
 *   relative reference resolves exactly as in the repository;
 * - the async-operation status and result URLs (Azure-AsyncOperation / Location) are not paths of
 *   any published file: ARM's async protocol defines them, and common-types v5 publishes the model
 *   of their body (`OperationStatusResult`); ASYNC_OPERATIONS checks them against it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { must } from './must';

/** The vendored `specification` folder; tests read examples below it. */
export const SPEC_ROOT = path.resolve(__dirname, '..', 'fixtures', 'azure-specs', 'azure-rest-api-specs', 'specification');
/** The base every vendored file is registered under, so relative `$ref`s between files resolve (never fetched). */
const SPEC_BASE_URL = 'https://azure-rest-api-specs.invalid/specification/';
const RESOURCES_STABLE = 'resources/resource-manager/Microsoft.Resources/stable';

/**
 * The specifications the emulator is checked against: the file, the api-version it publishes,
 * and the api-versions a request may carry to be checked against it (`checks`). The Resources
 * versions the emulator serves after 2024-03-01 (2024-07-01 … 2025-04-01) are published in a
 * later layout (`Microsoft.Resources/deployments/stable/…/deployments.json`) that the stored
 * copy available when the fixtures were made did not hold whole with its references; their
 * deployment and resource group models are the 2024-03-01 ones (docs/emulator.md), so requests
 * at those versions are checked against the 2024-03-01 file.
 */
export const REST_SPECS = [
  {
    provider: 'Microsoft.ContainerInstance',
    apiVersion: '2023-05-01',
    checks: ['2023-05-01'],
    file: 'containerinstance/resource-manager/Microsoft.ContainerInstance/stable/2023-05-01/containerInstance.json',
  },
  { provider: 'Microsoft.Resources', apiVersion: '2021-04-01', checks: ['2021-04-01'], file: `${RESOURCES_STABLE}/2021-04-01/resources.json` },
  { provider: 'Microsoft.Resources', apiVersion: '2022-09-01', checks: ['2022-09-01'], file: `${RESOURCES_STABLE}/2022-09-01/resources.json` },
  { provider: 'Microsoft.Resources', apiVersion: '2023-07-01', checks: ['2023-07-01'], file: `${RESOURCES_STABLE}/2023-07-01/resources.json` },
  {
    provider: 'Microsoft.Resources',
    apiVersion: '2024-03-01',
    checks: ['2024-03-01', '2024-07-01', '2024-11-01', '2025-03-01', '2025-04-01'],
    file: `${RESOURCES_STABLE}/2024-03-01/resources.json`,
  },
] as const;

const COMMON_TYPES_V5 = 'common-types/resource-management/v5/types.json';

/**
 * ARM's async-operation URLs, as the emulator hands them out in `Azure-AsyncOperation` and
 * `Location`: the status (a body, common-types v5 `OperationStatusResult`) and the result
 * (202 while running, 204 when done, no body). Errors: common-types v5 `ErrorResponse`.
 */
const ASYNC_OPERATIONS = [
  {
    operationId: 'AsyncOperation_Status (deployment)',
    pathTemplate:
      '/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}/providers/Microsoft.Resources/deployments/{deploymentName}/operationStatuses/{operationId}',
    provider: 'Microsoft.Resources',
    responses: { '200': { schema: { $ref: `${COMMON_TYPES_V5}#/definitions/OperationStatusResult` } } },
  },
  {
    operationId: 'AsyncOperation_Result (deployment delete)',
    pathTemplate: '/subscriptions/{subscriptionId}/operationresults/{operationId}',
    provider: 'Microsoft.Resources',
    responses: { '202': {}, '204': {} },
  },
  {
    operationId: 'AsyncOperation_Status (container group)',
    pathTemplate: '/subscriptions/{subscriptionId}/providers/Microsoft.ContainerInstance/locations/{location}/operations/{operationId}',
    provider: 'Microsoft.ContainerInstance',
    responses: { '200': { schema: { $ref: `${COMMON_TYPES_V5}#/definitions/OperationStatusResult` } } },
  },
  {
    operationId: 'AsyncOperation_Result (container group)',
    pathTemplate: '/subscriptions/{subscriptionId}/providers/Microsoft.ContainerInstance/locations/{location}/operationResults/{operationId}',
    provider: 'Microsoft.ContainerInstance',
    responses: { '202': {}, '204': {} },
  },
] as const;

interface SwaggerOperation {
  operationId: string;
  responses: Record<string, { schema?: Record<string, unknown> }>;
  'x-ms-long-running-operation'?: boolean;
  'x-ms-examples'?: Record<string, { $ref: string }>;
}

export interface SpecOperation {
  operationId: string;
  method: string;
  pathTemplate: string;
  /** The api-version of the file that publishes it. */
  apiVersion: string;
  /** The api-versions of the requests checked against it (REST_SPECS `checks`). */
  checks: readonly string[];
  longRunning: boolean;
  /** Example files (relative to the spec's folder) by example name. */
  examples: Record<string, string>;
  specFile: string;
  matches(pathname: string): Record<string, string> | undefined;
  /** Violations of the response schema for this status; a status the operation does not list (and no `default`) is one. */
  check(status: number, body: unknown): string[];
}

let loaded: SpecOperation[] | undefined;
let asyncOperations: SpecOperation[] | undefined;

export function specOperations(): SpecOperation[] {
  loaded ??= REST_SPECS.flatMap((spec) => loadSpec(spec.file, spec.apiVersion, spec.checks));
  return loaded;
}

/** The async-operation status and result URLs (ASYNC_OPERATIONS), checked for every api-version the provider serves. */
export function asyncStatusOperations(): SpecOperation[] {
  asyncOperations ??= ASYNC_OPERATIONS.map((operation) => {
    const checks = [...new Set(REST_SPECS.filter((spec) => spec.provider === operation.provider).flatMap((spec) => spec.checks))];
    const sourceFile = `${COMMON_TYPES_V5} (ARM async operations)`;
    return operationOf(
      operation.pathTemplate,
      'get',
      {
        operationId: operation.operationId,
        responses: { ...operation.responses, default: { schema: { $ref: `${COMMON_TYPES_V5}#/definitions/ErrorResponse` } } },
      },
      {
        apiVersion: 'ARM async protocol',
        checks,
        file: sourceFile,
        validatorFor: validatorCache(newAjv([COMMON_TYPES_V5]), '', sourceFile),
      },
    );
  });
  return asyncOperations;
}

/**
 * The operation this request is, or undefined when no vendored specification describes it.
 * Where several path templates match (the generic `{resourceType}/{resourceName}` resource
 * operations match a deployment's `cancel`), the most literal one is the operation.
 */
export function findOperation(method: string, pathname: string, apiVersion: string): { operation: SpecOperation; params: Record<string, string> } | undefined {
  let best: { operation: SpecOperation; params: Record<string, string>; literal: number } | undefined;
  for (const operation of [...asyncStatusOperations(), ...specOperations()]) {
    if (operation.method !== method.toLowerCase() || !operation.checks.includes(apiVersion)) continue;
    const params = operation.matches(pathname);
    if (!params) continue;
    const literal = operation.pathTemplate.replace(/\{[^}]+\}/g, '').length;
    if (!best || literal > best.literal) best = { operation, params, literal };
  }
  return best && { operation: best.operation, params: best.params };
}

/** Ajv with every file a specification refers to registered under its repository URL (see the file comment). */
function newAjv(files: string[]): Ajv2019 {
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  // an ARM resource id, as autorest's `arm-id` format means it: a path from the root
  ajv.addFormat('arm-id', /^\/[^\s]*$/);
  const registered = new Set<string>();
  const register = (file: string): void => {
    if (registered.has(file)) return;
    registered.add(file);
    const document = JSON.parse(readFileSync(path.join(SPEC_ROOT, file), 'utf8')) as { definitions?: Record<string, unknown> };
    ajv.addSchema({ $id: `${SPEC_BASE_URL}${file}`, definitions: closeModels(document.definitions ?? {}) });
    for (const reference of externalReferences(document.definitions ?? {}))
      register(path.posix.normalize(path.posix.join(path.posix.dirname(file), reference)));
  };
  files.forEach(register);
  return ajv;
}

/** The other files a document's definitions refer to (the part of each `$ref` before `#`). */
function externalReferences(definitions: Record<string, unknown>): string[] {
  const found = new Set<string>();
  for (const match of JSON.stringify(definitions).matchAll(/"\$ref":"([^"#]+)#/g)) found.add(must(match[1], "the $ref's file"));
  return [...found];
}

/** A validator per response schema: a `$ref` resolved against `file`'s URL, or an inline schema. */
function validatorCache(ajv: Ajv2019, file: string, label: string): (schema: Record<string, unknown>) => ValidateFunction {
  const compiled = new Map<string, ValidateFunction>();
  return (schema) => {
    const ref = String(schema.$ref ?? '');
    const cacheKey = ref || JSON.stringify(schema);
    let validate = compiled.get(cacheKey);
    if (!validate) {
      validate = ref ? ajv.getSchema(new URL(ref, `${SPEC_BASE_URL}${file}`).href) : ajv.compile({ ...schema, $id: undefined });
      if (!validate) throw new Error(`${label}: cannot compile ${cacheKey}`);
      compiled.set(cacheKey, validate);
    }
    return validate;
  };
}

function loadSpec(file: string, apiVersion: string, checks: readonly string[]): SpecOperation[] {
  const spec = JSON.parse(readFileSync(path.join(SPEC_ROOT, file), 'utf8')) as {
    paths: Record<string, Record<string, SwaggerOperation>>;
    definitions: Record<string, unknown>;
  };
  const validatorFor = validatorCache(newAjv([file]), file, file);
  return Object.entries(spec.paths).flatMap(([pathTemplate, methods]) =>
    Object.entries(methods)
      .filter(([method]) => method !== 'parameters')
      .map(([method, operation]) => operationOf(pathTemplate, method, operation, { apiVersion, checks, file, validatorFor })),
  );
}

function operationOf(
  pathTemplate: string,
  method: string,
  operation: Pick<SwaggerOperation, 'operationId' | 'responses' | 'x-ms-long-running-operation' | 'x-ms-examples'>,
  source: { apiVersion: string; checks: readonly string[]; file: string; validatorFor: (schema: Record<string, unknown>) => ValidateFunction },
): SpecOperation {
  const { apiVersion, checks, file, validatorFor } = source;
  // a template may end in '/' (Deployments_ListByResourceGroup does); a request may or may not
  const pattern = new RegExp(
    `^${pathTemplate
      .replace(/\/$/, '')
      .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
      .replace(/\{([^}]+)\}/g, '(?<$1>[^/]+)')}/?$`,
    'i',
  );
  return {
    operationId: operation.operationId,
    method,
    pathTemplate,
    apiVersion,
    checks,
    longRunning: operation['x-ms-long-running-operation'] === true,
    examples: Object.fromEntries(Object.entries(operation['x-ms-examples'] ?? {}).map(([name, example]) => [name, example.$ref])),
    specFile: file,
    matches: (pathname: string) => {
      const match = pattern.exec(pathname);
      return match ? { ...match.groups } : undefined;
    },
    check: (status: number, body: unknown) => {
      const response = operation.responses[String(status)] ?? (status >= 400 ? operation.responses.default : undefined);
      if (!response) return [`status ${status} is not a response of ${operation.operationId} (${Object.keys(operation.responses).join(', ')})`];
      if (!response.schema) return body === undefined ? [] : [`${operation.operationId} ${status} has no body in the spec, the emulator sent one`];
      if (body === undefined) return [`${operation.operationId} ${status} needs a body (${String(response.schema.$ref ?? 'schema')})`];
      const validate = validatorFor(response.schema);
      return validate(body) ? [] : describe(validate.errors ?? []);
    },
  };
}

/** Adds `unevaluatedProperties: false` to every object model that is not an allOf member (see the file comment). */
function closeModels(definitions: Record<string, unknown>): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(definitions)) as Record<string, Record<string, unknown>>;
  const allOfMembers = new Set(
    Object.values(copy).flatMap((definition) =>
      Array.isArray(definition.allOf) ? definition.allOf.map((member: { $ref?: string }) => member.$ref?.replace('#/definitions/', '')).filter(Boolean) : [],
    ),
  );
  const close = (schema: unknown, isAllOfMember: boolean): void => {
    if (typeof schema !== 'object' || schema === null) return;
    const node = schema as Record<string, unknown>;
    const isObjectModel = (node.properties !== undefined || Array.isArray(node.allOf)) && node.additionalProperties === undefined;
    if (isObjectModel && !isAllOfMember) node.unevaluatedProperties = false;
    for (const child of Object.values((node.properties as Record<string, unknown> | undefined) ?? {})) close(child, false);
    if (node.items) close(node.items, false);
    if (typeof node.additionalProperties === 'object') close(node.additionalProperties, false);
  };
  for (const [name, definition] of Object.entries(copy)) close(definition, allOfMembers.has(name));
  return copy;
}

function describe(errors: ErrorObject[]): string[] {
  return errors.map((error) => {
    const extra = error.keyword === 'unevaluatedProperties' ? ` '${String((error.params as { unevaluatedProperty?: string }).unevaluatedProperty)}'` : '';
    return `${error.instancePath || '/'}: ${error.message ?? 'invalid'}${extra}`;
  });
}
