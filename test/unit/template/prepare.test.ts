import { FLOW_RUN_ID_TAG, MANAGED_BY_TAG, WORKFLOW_ID_TAG } from '../../../src/template/deployment';
import { ConfigError } from '../../../src/config/errors';
import { parseJobConfiguration, type JobConfigurationInput } from '../../../src/config/jobConfiguration';
import { defaultArmTemplate } from '../../../src/config/defaultArmTemplate';
import { prepareDeployment, type PreparedDeployment } from '../../../src/template/prepare';
import { first, nth } from '../../helpers/must';

const RUN = { flowRunId: '3f2c0a4e-1b7d-4c8e-9f00-0123456789ab', flowName: 'etl', workflowId: 'flow-run-3f2c0a4e-1b7d-4c8e-9f00-0123456789ab' };

function prepare(overrides: Partial<JobConfigurationInput> = {}, run = RUN): PreparedDeployment {
  return prepareDeployment(parseJobConfiguration({ resource_group_name: 'rg', subscription_id: '11111111-2222-3333-4444-555555555556', ...overrides }), run);
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const groupOf = (prepared: PreparedDeployment): Json => first(prepared.template.resources as Json[]);
const containerOf = (prepared: PreparedDeployment): Json => groupOf(prepared).properties.containers[0].properties;

describe('preparing the ARM deployment of a flow run', () => {
  it('targets the configured subscription and resource group with deterministic names', () => {
    const prepared = prepare();
    expect(prepared).toMatchObject({
      subscriptionId: '11111111-2222-3333-4444-555555555556',
      resourceGroupName: 'rg',
      containerGroupName: `etl-${RUN.flowRunId}`,
      containerName: 'etl',
      deploymentName: `aci-flow-etl-${RUN.flowRunId}`,
    });
  });

  it('passes the container group and container names as deployment parameters, like the Prefect worker', () => {
    expect(prepare().parameters).toEqual({
      container_group_name: { value: `etl-${RUN.flowRunId}` },
      container_name: { value: 'etl' },
    });
  });

  it('keeps the deployment name within 64 characters, the prefix and the whole group name, for a very long flow name', () => {
    const prepared = prepare({}, { ...RUN, flowName: 'an extremely long flow name that goes on and on '.repeat(3) });
    expect(prepared.deploymentName.length).toBeLessThanOrEqual(64);
    expect(prepared.deploymentName).toBe(`aci-flow-${prepared.containerGroupName}`);
    expect(prepared.containerGroupName).toMatch(/^an-extremely-3f2c0a4e-[0-9a-f-]+-[0-9a-v]{16}$/);
  });

  it('names the group after the flow, whatever the configured name, so clients can compute it from the run alone', () => {
    expect(prepare({ name: 'Billing Job' }).containerGroupName).toBe(`etl-${RUN.flowRunId}`);
  });

  it('puts the default Prefect image in the template when no image is configured', () => {
    expect(containerOf(prepare()).image).toBe('prefecthq/prefect:3.9.1-python3.12');
  });

  it('puts the configured image in the template', () => {
    expect(containerOf(prepare({ image: 'myregistry.azurecr.io/etl:1.2' })).image).toBe('myregistry.azurecr.io/etl:1.2');
  });

  it('prepends the default entrypoint to the split command', () => {
    expect(containerOf(prepare({ command: 'python -m "my etl"' })).command).toEqual(['/opt/prefect/entrypoint.sh', 'python', '-m', 'my etl']);
  });

  it('runs the command without an entrypoint when the entrypoint is null or empty', () => {
    expect(containerOf(prepare({ command: 'python -m etl', entrypoint: null })).command).toEqual(['python', '-m', 'etl']);
    expect(containerOf(prepare({ command: 'python -m etl', entrypoint: '' })).command).toEqual(['python', '-m', 'etl']);
  });

  it("leaves the image's own command when there is neither command nor entrypoint", () => {
    expect(containerOf(prepare({ entrypoint: null }))).not.toHaveProperty('command');
  });

  it('rejects a command with an unbalanced quote before anything is deployed', () => {
    expect(() => prepare({ command: 'python -c "print(1)' })).toThrow(/^command: has no closing " quote/);
  });

  it('writes cpu and memory to the container requests, with the defaults of 1.0', () => {
    expect(containerOf(prepare()).resources.requests).toEqual({ cpu: 1, memoryInGB: 1 });
    expect(containerOf(prepare({ cpu: 2, memory: 3.5 })).resources.requests).toEqual({ cpu: 2, memoryInGB: 3.5 });
  });

  it('writes the GPU count and SKU to the container requests (the Prefect worker drops them)', () => {
    expect(containerOf(prepare({ gpu_count: 2, gpu_sku: 'V100' })).resources.requests.gpu).toEqual({ count: 2, sku: 'V100' });
  });

  it('requests no GPU when none is configured', () => {
    expect(containerOf(prepare()).resources.requests).not.toHaveProperty('gpu');
  });

  describe('environment variables', () => {
    it('sets the flow run id and the configured variables as plain values', () => {
      expect(containerOf(prepare({ env: { LOG_LEVEL: 'debug' } })).environmentVariables).toEqual([
        { name: 'PREFECT__FLOW_RUN_ID', value: RUN.flowRunId },
        { name: 'LOG_LEVEL', value: 'debug' },
      ]);
    });

    it('passes PREFECT_API_KEY and PREFECT_API_AUTH_STRING as secureValue references', () => {
      const env = containerOf(
        prepare({ env: { PREFECT_API_KEY: 'secretref:PREFECT_API_KEY', PREFECT_API_AUTH_STRING: 'secretref:AUTH' } }),
      ).environmentVariables;
      expect(env).toContainEqual({ name: 'PREFECT_API_KEY', secureValue: 'secretref:PREFECT_API_KEY' });
      expect(env).toContainEqual({ name: 'PREFECT_API_AUTH_STRING', secureValue: 'secretref:AUTH' });
    });

    it('passes variables named in secret_env_names, and any secret reference, as secureValue', () => {
      const env = containerOf(
        prepare({ env: { DB_PASSWORD: 'secretref:DB', TOKEN: 'secretref:TOKEN' }, secret_env_names: ['DB_PASSWORD'] }),
      ).environmentVariables;
      expect(env).toContainEqual({ name: 'DB_PASSWORD', secureValue: 'secretref:DB' });
      expect(env).toContainEqual({ name: 'TOKEN', secureValue: 'secretref:TOKEN' });
    });

    it('removes a base variable whose configured value is null', () => {
      const env = containerOf(prepare({ env: { PREFECT__FLOW_RUN_ID: null } })).environmentVariables;
      expect(env).toEqual([]);
    });
  });

  describe('image registry credentials', () => {
    it('writes username and password credentials, the password still a reference', () => {
      const prepared = prepare({
        image_registry: { registry_url: 'registry.example.com', username: 'bot', password: 'secretref:REGISTRY_PASSWORD' },
      });
      expect(groupOf(prepared).properties.imageRegistryCredentials).toEqual([
        { server: 'registry.example.com', username: 'bot', password: 'secretref:REGISTRY_PASSWORD' },
      ]);
    });

    it('writes ACR managed identity credentials', () => {
      const identity = '/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/puller';
      const prepared = prepare({ image_registry: { registry_url: 'myacr.azurecr.io', identity }, identities: [identity] });
      expect(groupOf(prepared).properties.imageRegistryCredentials).toEqual([{ server: 'myacr.azurecr.io', identity }]);
    });

    it('refuses a registry identity that is not among the identities, before Azure says InvalidImageRegistryIdentity', () => {
      const identity = '/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/puller';
      const other = '/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/other';
      const registry = { registry_url: 'myacr.azurecr.io', identity };
      expect(() => prepare({ image_registry: registry })).toThrow(ConfigError);
      expect(() => prepare({ image_registry: registry, identities: [other] })).toThrow(
        `image_registry.identity: '${identity}' is not among the container group's identities, so ACI could not pull with it (Azure would refuse the deployment with InvalidImageRegistryIdentity); add the same resource id to identities`,
      );
    });

    it('matches the registry identity case-insensitively, as ARM resource ids are', () => {
      const identity = '/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/puller';
      expect(() => prepare({ image_registry: { registry_url: 'myacr.azurecr.io', identity }, identities: [identity.toLowerCase()] })).not.toThrow();
    });

    it('counts an identity a patch assigns, and refuses a registry identity a patch adds without one', () => {
      const identity = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/patched';
      const addIdentity = { op: 'add' as const, path: '/resources/0/identity', value: { type: 'UserAssigned', userAssignedIdentities: { [identity]: {} } } };
      expect(() => prepare({ image_registry: { registry_url: 'myacr.azurecr.io', identity }, arm_template_patches: [addIdentity] })).not.toThrow();
      const addRegistry = { op: 'add' as const, path: '/resources/0/properties/imageRegistryCredentials', value: [{ server: 'x.azurecr.io', identity }] };
      expect(() => prepare({ arm_template_patches: [addRegistry] })).toThrow(
        /^arm_template \(at \/resources\/0\/properties\/imageRegistryCredentials\/0\/identity\): .* is not among the container group's identities/,
      );
    });

    it('writes no credentials when no registry is configured', () => {
      expect(groupOf(prepare()).properties).not.toHaveProperty('imageRegistryCredentials');
    });
  });

  it('adds user-assigned identities keyed by resource id', () => {
    const ids = ['/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/a', '/x/b'];
    expect(groupOf(prepare({ identities: ids })).identity).toEqual({
      type: 'UserAssigned',
      userAssignedIdentities: { [first(ids)]: {}, [nth(ids, 1)]: {} },
    });
  });

  it('adds subnet ids', () => {
    expect(groupOf(prepare({ subnet_ids: ['/subnets/a', '/subnets/b'] })).properties.subnetIds).toEqual([{ id: '/subnets/a' }, { id: '/subnets/b' }]);
  });

  it('adds DNS servers', () => {
    expect(groupOf(prepare({ dns_servers: ['10.0.0.4', '10.0.0.5'] })).properties.dnsConfig).toEqual({
      nameServers: ['10.0.0.4', '10.0.0.5'],
    });
  });

  it('leaves identities, subnets and DNS out when none are configured', () => {
    const group = groupOf(prepare());
    expect(group).not.toHaveProperty('identity');
    expect(group.properties).not.toHaveProperty('subnetIds');
    expect(group.properties).not.toHaveProperty('dnsConfig');
  });

  it('tags the group and the deployment as managed by aci-flow with the flow run and workflow ids', () => {
    const prepared = prepare({ labels: { team: 'data' } });
    const expected = { [MANAGED_BY_TAG]: 'aci-flow', [FLOW_RUN_ID_TAG]: RUN.flowRunId, [WORKFLOW_ID_TAG]: RUN.workflowId };
    expect(groupOf(prepared).tags).toEqual({ team: 'data', ...expected });
    expect(prepared.tags).toEqual(expected);
  });

  it('turns a slash in a label name into a dot, since Azure tag names cannot hold one', () => {
    const tags = groupOf(prepare({ labels: { 'prefect.io/flow-run-id': 'r1', 'prefect.io/deployment-name': 'nightly' } })).tags;
    expect(tags).toMatchObject({ 'prefect.io.flow-run-id': 'r1', 'prefect.io.deployment-name': 'nightly' });
    expect(Object.keys(tags).filter((name) => name.includes('/'))).toEqual([]);
  });

  it('does not let a label override the managed-by tags', () => {
    expect(groupOf(prepare({ labels: { [MANAGED_BY_TAG]: 'someone-else' } })).tags[MANAGED_BY_TAG]).toBe('aci-flow');
  });

  describe('custom ARM templates', () => {
    it('refuses a template that deploys anything besides the container group', () => {
      const template = defaultArmTemplate();
      (template.resources as Json[]).unshift({ type: 'Microsoft.Network/networkProfiles', name: 'np', apiVersion: '2022-01-01' });
      expect(() => prepare({ arm_template: template, image: 'busybox' })).toThrow(
        /^arm_template\.resources: must hold exactly one resource, the run's Microsoft\.ContainerInstance\/containerGroups \(found 2 resources\)/,
      );
    });

    it('makes the group run once when the template sets no restart policy (ACI would default to Always)', () => {
      const template = defaultArmTemplate();
      delete first(template.resources as Json[]).properties.restartPolicy;
      expect(groupOf(prepare({ arm_template: template })).properties.restartPolicy).toBe('Never');
    });

    it('fails clearly when the template has no container properties to put the image in', () => {
      const template = defaultArmTemplate();
      delete first(template.resources as Json[]).properties.containers;
      const attempt = () => prepare({ arm_template: template });
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(/^arm_template\.resources\[0\]\.properties\.containers\[0\]\.properties: is missing, so the image cannot be set/);
    });

    it('fails clearly when the template has no container group resource', () => {
      const template = { ...defaultArmTemplate(), resources: [{ type: 'Microsoft.Storage/storageAccounts' }] };
      expect(() => prepare({ arm_template: template })).toThrow(/^arm_template\.resources: has no Microsoft\.ContainerInstance\/containerGroups resource/);
    });

    it('fails clearly when the template does not declare the container_group_name parameter', () => {
      const template = defaultArmTemplate();
      delete (template.parameters as Json).container_group_name;
      expect(() => prepare({ arm_template: template })).toThrow(/^arm_template\.parameters\.container_group_name: is not declared/);
    });
  });

  describe('JSON-Patch customizations', () => {
    it('are applied after every other setting', () => {
      const prepared = prepare({
        image: 'from-config',
        arm_template_patches: [
          { op: 'replace', path: '/resources/0/properties/containers/0/properties/image', value: 'from-patch' },
          { op: 'add', path: '/resources/0/properties/sku', value: 'Confidential' },
          { op: 'remove', path: '/resources/0/properties/osType' },
        ],
      });
      expect(containerOf(prepared).image).toBe('from-patch');
      expect(groupOf(prepared).properties.sku).toBe('Confidential');
      expect(groupOf(prepared).properties).not.toHaveProperty('osType');
    });

    it('can patch what preparation added, such as the environment', () => {
      const prepared = prepare({
        arm_template_patches: [
          { op: 'add', path: '/resources/0/properties/containers/0/properties/environmentVariables/-', value: { name: 'EXTRA', value: '1' } },
        ],
      });
      expect(containerOf(prepared).environmentVariables).toContainEqual({ name: 'EXTRA', value: '1' });
    });

    it('fail with the patch index and path when a patch does not apply', () => {
      const attempt = () =>
        prepare({
          arm_template_patches: [
            { op: 'add', path: '/resources/0/properties/sku', value: 'Standard' },
            { op: 'replace', path: '/resources/5/properties/image', value: 'x' },
          ],
        });
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(/^arm_template_patches\[1\]: replace at \/resources\/5\/properties\/image does not apply: the path does not exist/);
    });

    it('fail when a test operation does not hold', () => {
      expect(() => prepare({ arm_template_patches: [{ op: 'test', path: '/resources/0/properties/osType', value: 'Windows' }] })).toThrow(
        /^arm_template_patches\[0\]: test at \/resources\/0\/properties\/osType does not apply: the test failed/,
      );
    });
  });

  it('is deterministic and leaves the configuration untouched', () => {
    const config = parseJobConfiguration({
      resource_group_name: 'rg',
      subscription_id: '11111111-2222-3333-4444-555555555556',
      command: 'python -m etl',
      env: { A: '1' },
      arm_template_patches: [{ op: 'add', path: '/resources/0/properties/sku', value: 'Standard' }],
    });
    const snapshot = JSON.parse(JSON.stringify(config));
    const first = prepareDeployment(config, RUN);
    const second = prepareDeployment(config, RUN);
    expect(second).toEqual(first);
    expect(config).toEqual(snapshot);
  });

  it('produces plain JSON', () => {
    const prepared = prepare({ gpu_count: 1, gpu_sku: 'K80', identities: ['/id'] });
    expect(JSON.parse(JSON.stringify(prepared))).toEqual(prepared);
  });
});
