import type { DeploymentRequest } from '../../../src/template/deployment';
import { ConfigError } from '../../../src/config/errors';
import { parseJobConfiguration } from '../../../src/config/jobConfiguration';
import { secretResolverFromEnvironment } from '../../../src/config/secrets';
import { defaultArmTemplate } from '../../../src/config/defaultArmTemplate';
import { prepareDeployment } from '../../../src/template/prepare';
import { resolveSecretReferences } from '../../../src/template/secretPositions';
import { first } from '../../helpers/must';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const RUN = { flowRunId: 'run-1', flowName: 'etl', workflowId: 'flow-run-run-1' };
const values: Record<string, string> = { API_KEY: 'pnu_secret', REG: 'hunter2', FILES_KEY: 'storage-key' };
const resolve = (name: string) => values[name];

/** A deployment as any client could send it to the worker: prepared, then tampered with. */
function deployment(tamper: (group: Json, template: Json) => void = () => undefined): DeploymentRequest {
  const prepared = prepareDeployment(
    parseJobConfiguration({
      resource_group_name: 'rg',
      subscription_id: '11111111-2222-3333-4444-555555555555',
      env: { PREFECT_API_KEY: 'secretref:API_KEY', A: 'plain' },
      image_registry: { registry_url: 'r', username: 'u', password: 'secretref:REG' },
    }),
    RUN,
  );
  const template = JSON.parse(JSON.stringify(prepared.template)) as Json;
  tamper(template.resources[0], template);
  return { ...prepared, template };
}

describe('resolving secret references in a prepared deployment', () => {
  it('passes secure env values and registry passwords as secureString parameters, the template naming them only', () => {
    const resolved = resolveSecretReferences(deployment(), resolve);
    const group = resolved.template.resources as Json[];
    expect(first(first(group).properties.containers).properties.environmentVariables).toEqual([
      { name: 'PREFECT__FLOW_RUN_ID', value: 'run-1' },
      { name: 'PREFECT_API_KEY', secureValue: "[parameters('aciFlowSecret0')]" },
      { name: 'A', value: 'plain' },
    ]);
    expect(first(first(group).properties.imageRegistryCredentials).password).toBe("[parameters('aciFlowSecret1')]");
    expect((resolved.template.parameters as Json).aciFlowSecret0).toEqual({ type: 'securestring' });
    expect((resolved.template.parameters as Json).aciFlowSecret1).toEqual({ type: 'securestring' });
    expect(resolved.parameters).toMatchObject({ aciFlowSecret0: { value: 'pnu_secret' }, aciFlowSecret1: { value: 'hunter2' } });
    // ARM keeps the template in the deployment's history: it holds no secret.
    expect(JSON.stringify(resolved.template)).not.toMatch(/pnu_secret|hunter2/);
  });

  it('resolves an Azure Files storage account key', () => {
    const withVolume = deployment((group) => {
      group.properties.volumes = [{ name: 'data', azureFile: { shareName: 's', storageAccountName: 'a', storageAccountKey: 'secretref:FILES_KEY' } }];
    });
    const resolved = resolveSecretReferences(withVolume, resolve);
    const group = first(resolved.template.resources as Json[]);
    expect(first(group.properties.volumes).azureFile.storageAccountKey).toBe("[parameters('aciFlowSecret2')]");
    expect(resolved.parameters.aciFlowSecret2).toEqual({ value: 'storage-key' });
    expect(JSON.stringify(resolved.template)).not.toContain('storage-key');
  });

  it('leaves the prepared deployment itself untouched', () => {
    const original = deployment();
    const before = JSON.stringify(original);
    resolveSecretReferences(original, resolve);
    expect(JSON.stringify(original)).toBe(before);
  });

  it('fails naming the reference and where the operator provides it, without printing any secret', () => {
    const attempt = () => resolveSecretReferences(deployment(), (name) => (name === 'REG' ? 'hunter2' : undefined));
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      'secretref:API_KEY: cannot be resolved on this worker: create the file $ACI_FLOW_SECRETS_DIR/API_KEY or set the environment variable ACI_FLOW_SECRET_API_KEY on the worker',
    );
    expect(attempt).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  });

  describe('a run that skipped client-side validation', () => {
    it.each<[string, (group: Json, template: Json) => void, string]>([
      [
        'the image',
        (group) => (group.properties.containers[0].properties.image = 'secretref:API_KEY'),
        'template/resources/0/properties/containers/0/properties/image',
      ],
      [
        'the command',
        (group) => (group.properties.containers[0].properties.command = ['echo', 'secretref:API_KEY']),
        'template/resources/0/properties/containers/0/properties/command/1',
      ],
      ['a tag', (group) => (group.tags.leak = 'secretref:API_KEY'), 'template/resources/0/tags/leak'],
      [
        'a plain env value, which Azure shows to anyone',
        (group) => group.properties.containers[0].properties.environmentVariables.push({ name: 'X', value: 'secretref:API_KEY' }),
        'template/resources/0/properties/containers/0/properties/environmentVariables/3/value',
      ],
      [
        'the registry server',
        (group) => (group.properties.imageRegistryCredentials[0].server = 'secretref:API_KEY'),
        'template/resources/0/properties/imageRegistryCredentials/0/server',
      ],
      ['an output', (_group, template) => (template.outputs = { o: { type: 'string', value: 'secretref:API_KEY' } }), 'template/outputs/o/value'],
      ['a template variable', (_group, template) => (template.variables = { v: 'secretref:API_KEY' }), 'template/variables/v'],
      [
        'a secure env value of a resource that is not the container group',
        (_group, template) =>
          template.resources.push({
            type: 'Microsoft.Resources/deployments',
            properties: { containers: [{ properties: { environmentVariables: [{ name: 'X', secureValue: 'secretref:API_KEY' }] } }] },
          }),
        'template/resources/1/properties/containers/0/properties/environmentVariables/0/secureValue',
      ],
    ])('refuses a reference in %s instead of resolving it', (_what, tamper, field) => {
      const asked: string[] = [];
      const attempt = () => resolveSecretReferences(deployment(tamper), (name) => (asked.push(name), values[name]));
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(`${field}: holds a secret reference, but secretref:NAME is accepted only in`);
      expect(asked).toEqual([]);
    });

    it('refuses a reference in the deployment parameters', () => {
      const tampered = { ...deployment(), parameters: { container_group_name: { value: 'secretref:API_KEY' } } };
      expect(() => resolveSecretReferences(tampered, resolve)).toThrow(/^\/parameters\/container_group_name\/value: holds a secret reference/);
    });

    it('refuses text that embeds a reference in a secret position', () => {
      const tampered = deployment((group) => (group.properties.imageRegistryCredentials[0].password = 'x secretref:REG'));
      expect(() => resolveSecretReferences(tampered, resolve)).toThrow(/is not a valid secret reference/);
    });

    it.each(['AZURE_CLIENT_SECRET', 'TEMPORAL_API_KEY'])('cannot reach the worker credential %s with the real resolver', (name) => {
      const saved = process.env[name];
      process.env[name] = 'worker-only-credential';
      try {
        const tampered = deployment((group) => (group.properties.containers[0].properties.environmentVariables[1].secureValue = `secretref:${name}`));
        const attempt = () => resolveSecretReferences(tampered, secretResolverFromEnvironment());
        expect(attempt).toThrow(`secretref:${name}: cannot be resolved on this worker`);
        expect(attempt).toThrow(expect.objectContaining({ message: expect.not.stringContaining('worker-only-credential') }));
      } finally {
        if (saved === undefined) delete process.env[name];
        else process.env[name] = saved;
      }
    });
  });
});

describe('secret references in the template, checked when it is prepared', () => {
  const prepare = (overrides: Record<string, unknown>) =>
    prepareDeployment(parseJobConfiguration({ resource_group_name: 'rg', subscription_id: '11111111-2222-3333-4444-555555555555', ...overrides }), RUN);

  it('refuses one in the pool arm_template, naming its path', () => {
    const template = defaultArmTemplate() as Json;
    template.resources[0].properties.containers[0].properties.workingDir = 'secretref:API_KEY';
    expect(() => prepare({ arm_template: template })).toThrow(
      /^arm_template\.resources\[0\]\.properties\.containers\[0\]\.properties\.workingDir: holds a secret reference/,
    );
  });

  it('refuses a patch that puts one in a tag, naming the patch and the path', () => {
    const attempt = () =>
      prepare({
        arm_template_patches: [
          { op: 'add', path: '/resources/0/properties/sku', value: 'Standard' },
          { op: 'add', path: '/resources/0/tags/leak', value: 'secretref:API_KEY' },
        ],
      });
    expect(attempt).toThrow(/^arm_template_patches\[1\] \(at \/resources\/0\/tags\/leak\): holds a secret reference/);
  });

  it('refuses a patch that moves a secure value into the command', () => {
    expect(() =>
      prepare({
        env: { PREFECT_API_KEY: 'secretref:API_KEY' },
        arm_template_patches: [
          {
            op: 'copy',
            from: '/resources/0/properties/containers/0/properties/environmentVariables/1/secureValue',
            path: '/resources/0/properties/containers/0/properties/command/0',
          },
        ],
      }),
    ).toThrow(/^arm_template_patches\[0\]: copys from \S+\/secureValue, which holds a secret reference/);
  });

  it('accepts a patch that adds a secure env value by reference', () => {
    const prepared = prepare({
      arm_template_patches: [
        {
          op: 'add',
          path: '/resources/0/properties/containers/0/properties/environmentVariables/-',
          value: { name: 'EXTRA', secureValue: 'secretref:db-password' },
        },
      ],
    });
    expect((first(first(prepared.template.resources as Json[]).properties.containers).properties.environmentVariables as Json[]).at(-1)).toEqual({
      name: 'EXTRA',
      secureValue: 'secretref:db-password',
    });
  });
});
