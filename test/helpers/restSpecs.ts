/**
 * Microsoft's published REST API specifications (Swagger 2.0, vendored verbatim under
 * test/fixtures/azure-specs/azure-rest-api-specs, see SOURCES.md there) as a response checker:
 * which operation a request is, and whether a response matches that operation's schema for its
 * status. Ajv does the checking; what Swagger adds over JSON Schema is mapped here:
 * - `x-ms-*`, `readOnly`, `discriminator` and the like are annotations (strict: false ignores them);
 * - formats int32 / double / date-time come from ajv-formats;
 * - a model is closed, as Azure's own response validator treats it: a property the spec does not
 *   define is a violation. `unevaluatedProperties: false` is added to each object model, except
 *   where the model is one member of an `allOf` (its siblings' properties belong to the whole).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';

const SPEC_ROOT = path.resolve(__dirname, '..', 'fixtures', 'azure-specs', 'azure-rest-api-specs', 'specification');

/** The specifications the emulator is checked against, by provider and api-version. */
export const REST_SPECS = [
  { provider: 'Microsoft.ContainerInstance', apiVersion: '2023-05-01', file: 'containerinstance/resource-manager/Microsoft.ContainerInstance/stable/2023-05-01/containerInstance.json' },
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
  apiVersion: string;
  longRunning: boolean;
  /** Example files (relative to the spec's folder) by example name. */
  examples: Record<string, string>;
  specFile: string;
  matches(pathname: string): Record<string, string> | undefined;
  /** Violations of the response schema for this status; a status the operation does not list (and no `default`) is one. */
  check(status: number, body: unknown): string[];
}

let loaded: SpecOperation[] | undefined;

export function specOperations(): SpecOperation[] {
  loaded ??= REST_SPECS.flatMap((spec) => loadSpec(spec.file, spec.apiVersion));
  return loaded;
}

/** The operation this request is, or undefined when no vendored specification describes it. */
export function findOperation(method: string, pathname: string, apiVersion: string): { operation: SpecOperation; params: Record<string, string> } | undefined {
  for (const operation of specOperations()) {
    if (operation.method !== method.toLowerCase() || operation.apiVersion !== apiVersion) continue;
    const params = operation.matches(pathname);
    if (params) return { operation, params };
  }
  return undefined;
}

function loadSpec(file: string, apiVersion: string): SpecOperation[] {
  const spec = JSON.parse(readFileSync(path.join(SPEC_ROOT, file), 'utf8')) as { paths: Record<string, Record<string, SwaggerOperation>>; definitions: Record<string, unknown> };
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  const key = `spec:${file}`;
  ajv.addSchema({ $id: key, definitions: closeModels(spec.definitions) });
  const compiled = new Map<string, ValidateFunction>();
  const validatorFor = (schema: Record<string, unknown>): ValidateFunction => {
    const ref = String(schema.$ref ?? '');
    const cacheKey = ref || JSON.stringify(schema);
    let validate = compiled.get(cacheKey);
    if (!validate) {
      validate = ref.startsWith('#/definitions/') ? ajv.getSchema(`${key}${ref}`) : ajv.compile({ ...schema, $id: undefined });
      if (!validate) throw new Error(`${file}: cannot compile ${cacheKey}`);
      compiled.set(cacheKey, validate);
    }
    return validate;
  };

  return Object.entries(spec.paths).flatMap(([pathTemplate, methods]) =>
    Object.entries(methods).map(([method, operation]) => {
      const pattern = new RegExp(`^${pathTemplate.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, '(?<$1>[^/]+)')}$`, 'i');
      return {
        operationId: operation.operationId,
        method,
        pathTemplate,
        apiVersion,
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
    }),
  );
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
