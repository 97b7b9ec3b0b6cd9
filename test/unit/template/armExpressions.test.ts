/**
 * A flow run's input must not make ARM read other resources: configured values reach the
 * container literally, and the template may only compute values (docs/design.md, "Trust boundary").
 */
import { ConfigError } from '../../../src/config/errors';
import { parseJobConfiguration, type JobConfigurationInput, type JsonPatchOperation } from '../../../src/config/jobConfiguration';
import { defaultArmTemplate } from '../../../src/config/defaultArmTemplate';
import { evaluateStringValue, type ExpressionContext } from '../../../src/emulator/template/expressions';
import { armLiteral, calledFunctions, findForbiddenExpression } from '../../../src/template/armExpressions';
import { prepareDeployment, type PreparedDeployment } from '../../../src/template/prepare';
import { resolveSecretReferences } from '../../../src/template/secretPositions';
import { first } from '../../helpers/must';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const RUN = { flowRunId: 'run-1', flowName: 'etl', workflowId: 'flow-run-run-1' };
const LIST_KEYS = "[listKeys(resourceId('Microsoft.Storage/storageAccounts', 'prod'), '2023-01-01').keys[0].value]";
const REFERENCE = "[reference(resourceId('Microsoft.KeyVault/vaults', 'prod'), '2023-07-01').vaultUri]";

function prepare(overrides: Partial<JobConfigurationInput> = {}): PreparedDeployment {
  return prepareDeployment(parseJobConfiguration({ resource_group_name: 'rg', subscription_id: '11111111-2222-3333-4444-555555555555', ...overrides }), RUN);
}
const groupOf = (prepared: PreparedDeployment): Json => first(prepared.template.resources as Json[]);
const containerOf = (prepared: PreparedDeployment): Json => groupOf(prepared).properties.containers[0].properties;

/** What ARM (here the emulator's evaluator, which follows ARM's escape rule) makes of a template string. */
function asArmReadsIt(value: string): unknown {
  const context: ExpressionContext = {
    parameter: () => 'p',
    variable: () => 'v',
    resourceGroup: { id: '/subscriptions/sub/resourceGroups/rg', name: 'rg', location: 'eastus' },
    subscription: { id: '/subscriptions/sub', subscriptionId: '11111111-2222-3333-4444-555555555555' },
    deployment: { name: 'd' },
  };
  return evaluateStringValue(value, context, 'test');
}

function configErrorOf(action: () => unknown): ConfigError {
  try {
    action();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('configured values reach the container as written, never as ARM expressions', () => {
  it('writes an env value that looks like listKeys() as a literal the container receives unchanged', () => {
    const env = containerOf(prepare({ env: { STOLEN: LIST_KEYS } })).environmentVariables as Json[];
    const written = env.find((variable) => variable.name === 'STOLEN');
    expect(written).toEqual({ name: 'STOLEN', value: `[${LIST_KEYS}` });
    expect(asArmReadsIt(written!.value)).toBe(LIST_KEYS);
  });

  it('escapes the image, every command argument, labels, DNS servers and the GPU sku', () => {
    const prepared = prepare({
      image: '[reference(1)]',
      command: `python -c "${REFERENCE}"`,
      labels: { '[listSecrets(1)]': REFERENCE },
      dns_servers: ['[reference(2)]'],
      gpu_count: 1,
      gpu_sku: '[reference(3)]',
    });
    const container = containerOf(prepared);
    expect(container.image).toBe('[[reference(1)]');
    expect(container.command).toEqual(['/opt/prefect/entrypoint.sh', 'python', '-c', `[${REFERENCE}`]);
    expect(container.resources.requests.gpu.sku).toBe('[[reference(3)]');
    expect(groupOf(prepared).tags['[[listSecrets(1)]']).toBe(`[${REFERENCE}`);
    expect(groupOf(prepared).properties.dnsConfig.nameServers).toEqual(['[[reference(2)]']);
  });

  it('leaves values that ARM would not evaluate exactly as configured', () => {
    for (const text of ['plain', '[not closed', 'not opened]', '', 'a [b] c']) expect(armLiteral(text)).toBe(text);
    expect(armLiteral('[[already escaped]')).toBe('[[[already escaped]');
    expect(asArmReadsIt(armLiteral('[[already escaped]'))).toBe('[[already escaped]');
  });

  it('passes a resolved secret as a parameter value, which ARM never evaluates, whatever it looks like', () => {
    const prepared = prepare({ env: { API_TOKEN: 'secretref:API_TOKEN' } });
    const resolved = resolveSecretReferences(prepared, () => '[listKeys(1)]');
    const env = first(first(resolved.template.resources as Json[]).properties.containers).properties.environmentVariables as Json[];
    expect(env.find((variable) => variable.name === 'API_TOKEN')).toEqual({ name: 'API_TOKEN', secureValue: "[parameters('aciFlowSecret0')]" });
    expect(resolved.parameters.aciFlowSecret0).toEqual({ value: '[listKeys(1)]' });
  });
});

describe('expressions a flow run template may hold', () => {
  // The template's own environment is replaced by the configured one, so tags carry the expressions here.
  function templateWithTag(value: string): Json {
    const template = defaultArmTemplate() as Json;
    template.resources[0].tags = { x: value };
    return template;
  }

  it.each([
    ['listKeys', LIST_KEYS],
    ['reference', REFERENCE],
    ['listSecrets (any case)', '[LISTSECRETS(1)]'],
    ['a user-defined namespace function', '[contoso.steal()]'],
    ['a forbidden call nested in a pure one', `[concat('a', reference('x').y)]`],
  ])('refuses %s in arm_template, naming the field', (_name, expression) => {
    const error = configErrorOf(() => prepare({ arm_template: templateWithTag(expression) }));
    expect(error.message).toMatch(/^arm_template\.resources\[0\]\.tags\.x: calls \w+(\.\w+)?\(\), which a flow run's template may not use/);
  });

  it('refuses a patch that adds a reference() expression, naming the patch', () => {
    const patch: JsonPatchOperation = {
      op: 'add',
      path: '/resources/0/properties/containers/0/properties/environmentVariables/-',
      value: { name: 'VAULT', value: REFERENCE },
    };
    const error = configErrorOf(() => prepare({ arm_template_patches: [patch] }));
    expect(error.message).toMatch(
      /^arm_template_patches\[0\] \(at \/resources\/0\/properties\/containers\/0\/properties\/environmentVariables\/\d+\/value\): calls reference\(\)/,
    );
  });

  it('refuses an expression in a property name, where ARM evaluates it too', () => {
    const template = defaultArmTemplate() as Json;
    template.resources[0].identity = { type: 'UserAssigned', userAssignedIdentities: { [REFERENCE]: {} } };
    const error = configErrorOf(() => prepare({ arm_template: template }));
    expect(error.message).toMatch(/^arm_template\.resources\[0\]\.identity\.userAssignedIdentities.*: is an expression used as a property name/);
  });

  it('refuses a forbidden expression hidden in a parameter default', () => {
    const template = defaultArmTemplate() as Json;
    template.parameters.location.defaultValue = LIST_KEYS;
    expect(configErrorOf(() => prepare({ arm_template: template })).message).toMatch(/^arm_template\.parameters\.location\.defaultValue: calls listKeys\(\)/);
  });

  it('accepts pure expressions, function names inside string literals and escaped text', () => {
    const template = templateWithTag("[concat(toLower(parameters('container_name')), 'listKeys(', '''reference(''')]");
    template.resources[0].tags.y = '[[reference(x)]';
    expect(() => prepare({ arm_template: template })).not.toThrow();
    expect(findForbiddenExpression(defaultArmTemplate())).toBeUndefined();
  });

  it('finds the functions an expression calls, skipping string literals', () => {
    expect(calledFunctions("concat(parameters('a'), 'x(y)', 'it''s reference(z)', uniqueString(resourceGroup().id))")).toEqual([
      'concat',
      'parameters',
      'uniqueString',
      'resourceGroup',
    ]);
  });
});
