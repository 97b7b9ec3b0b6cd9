import { z } from 'zod';
import { invalidTemplate } from '../errors';
import { describeIssues } from '../faults';
import { evaluateStringValue, type ExpressionContext } from './expressions';

export const CONTAINER_GROUP_TYPE = 'Microsoft.ContainerInstance/containerGroups';
/** Variables and parameter defaults that refer to each other; each hop nests an evaluation, so the chain is bounded. */
export const MAX_REFERENCE_DEPTH = 16;

const TemplateSchema = z
  .object({
    parameters: z.record(z.string(), z.object({ type: z.string().optional(), defaultValue: z.unknown().optional() }).loose()).optional(),
    variables: z.record(z.string(), z.unknown()).optional(),
    resources: z.array(z.record(z.string(), z.unknown())),
  })
  .loose();

export const DeploymentBodySchema = z
  .object({
    properties: z
      .object({
        mode: z.string().optional(),
        template: z.unknown().optional(),
        templateLink: z.unknown().optional(),
        parameters: z.record(z.string(), z.object({ value: z.unknown().optional() }).loose()).optional(),
      })
      .loose(),
    tags: z.record(z.string(), z.string()).optional(),
  })
  .loose();
export type DeploymentBody = z.infer<typeof DeploymentBodySchema>;

export interface ResourceScope {
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  deploymentName: string;
}

/** A resource of the template after every expression was evaluated. */
export interface MaterializedResource {
  type: string;
  name: string;
  location: string;
  tags: Record<string, string>;
  properties: unknown;
}

/** Evaluates the deployment's template into concrete container group resources, or throws InvalidTemplate. */
export function materializeTemplate(body: DeploymentBody, scope: ResourceScope): MaterializedResource[] {
  if (body.properties.templateLink !== undefined) {
    throw invalidTemplate(
      `Deployment '${scope.deploymentName}': properties.templateLink is not supported by the emulator; send the template inline in properties.template.`,
    );
  }
  const parsed = TemplateSchema.safeParse(body.properties.template);
  if (!parsed.success) {
    throw invalidTemplate(`Deployment template validation failed: properties.template is not a valid template: ${describeIssues(parsed.error)}.`);
  }
  const template = parsed.data;
  const supplied = body.properties.parameters ?? {};
  const declared = template.parameters ?? {};
  for (const name of Object.keys(supplied)) {
    if (!findKey(declared, name)) {
      throw invalidTemplate(
        `Deployment template validation failed: 'The template parameters '${name}' in the parameters file are not valid; they are not present in the original template and can therefore not be provided at deployment time. The only supported parameters for this template are '${Object.keys(declared).join(', ')}'.'.`,
      );
    }
  }

  const variableCache = new Map<string, unknown>();
  const resolving: string[] = [];
  const resolveOnce = (label: string, compute: () => unknown): unknown => {
    if (resolving.includes(label)) {
      throw invalidTemplate(
        `Deployment template validation failed: 'The template ${label} refers to itself: ${[...resolving.slice(resolving.indexOf(label)), label].join(' -> ')}. Break the cycle.'.`,
      );
    }
    if (resolving.length >= MAX_REFERENCE_DEPTH) {
      throw invalidTemplate(
        `Deployment template validation failed: 'Variables and parameter defaults refer to each other more than ${MAX_REFERENCE_DEPTH} levels deep: ${[...resolving, label].join(' -> ')}. Flatten them.'.`,
      );
    }
    resolving.push(label);
    try {
      return compute();
    } finally {
      resolving.pop();
    }
  };
  const context: ExpressionContext = {
    parameter(name) {
      const key = findKey(declared, name);
      if (!key) throw invalidTemplate(`Deployment template validation failed: 'The template parameter '${name}' is not found.'.`);
      const suppliedKey = findKey(supplied, key);
      const suppliedValue = suppliedKey === undefined ? undefined : supplied[suppliedKey];
      if (suppliedValue && 'value' in suppliedValue) return suppliedValue.value;
      const declaration = declared[key]!; // findKey returned one of its keys
      if ('defaultValue' in declaration) {
        return resolveOnce(`parameter '${key}'`, () => evaluateDeep(declaration.defaultValue, context, `parameters.${key}.defaultValue`));
      }
      throw invalidTemplate(
        `Deployment template validation failed: 'The value for the template parameter '${key}' is not provided. Please see https://aka.ms/arm-create-parameter-file for usage details.'.`,
      );
    },
    variable(name) {
      const variables = template.variables ?? {};
      const key = findKey(variables, name);
      if (!key) throw invalidTemplate(`Deployment template validation failed: 'The template variable '${name}' is not found.'.`);
      if (!variableCache.has(key))
        variableCache.set(
          key,
          resolveOnce(`variable '${key}'`, () => evaluateDeep(variables[key], context, `variables.${key}`)),
        );
      return variableCache.get(key);
    },
    resourceGroup: {
      id: `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup}`,
      name: scope.resourceGroup,
      location: scope.location,
    },
    subscription: { id: `/subscriptions/${scope.subscriptionId}`, subscriptionId: scope.subscriptionId },
    deployment: { name: scope.deploymentName },
  };

  return template.resources.map((raw, index) => {
    const where = `resources[${index}]`;
    const resource = evaluateDeep(raw, context, where) as Record<string, unknown>;
    if (typeof resource.type !== 'string' || typeof resource.name !== 'string' || !resource.type || !resource.name) {
      throw invalidTemplate(`Deployment template validation failed: 'The template resource at ${where} must have a 'type' and a 'name' string.'.`);
    }
    if (resource.type.toLowerCase() !== CONTAINER_GROUP_TYPE.toLowerCase()) {
      throw invalidTemplate(
        `Deployment template validation failed: 'The resource type '${resource.type}' of template resource '${resource.name}' at ${where} is not supported by the aci-flow emulator; only ${CONTAINER_GROUP_TYPE} is.'.`,
      );
    }
    const tags = z.record(z.string(), z.string()).optional().safeParse(resource.tags);
    if (!tags.success)
      throw invalidTemplate(`Deployment template validation failed: 'The tags of template resource '${resource.name}' must be an object of strings.'.`);
    return {
      type: CONTAINER_GROUP_TYPE,
      name: resource.name,
      location: typeof resource.location === 'string' ? resource.location : scope.location,
      tags: tags.data ?? {},
      properties: resource.properties,
    };
  });
}

function evaluateDeep(value: unknown, context: ExpressionContext, where: string): unknown {
  if (typeof value === 'string') return evaluateStringValue(value, context, where);
  if (Array.isArray(value)) return value.map((item, i) => evaluateDeep(item, context, `${where}[${i}]`));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, evaluateDeep(item, context, `${where}.${key}`)]));
  }
  return value;
}

function findKey(record: Record<string, unknown>, name: string): string | undefined {
  return Object.keys(record).find((key) => key.toLowerCase() === name.toLowerCase());
}
