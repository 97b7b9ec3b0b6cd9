import { FLOW_RUN_ID_TAG, MANAGED_BY_TAG, WORKFLOW_ID_TAG } from '../../../src/template/deployment';
import { ConfigError } from '../../../src/config/errors';
import { parseJobConfiguration, type JobConfigurationInput, type JsonPatchOperation } from '../../../src/config/jobConfiguration';
import { defaultArmTemplate } from '../../../src/config/defaultArmTemplate';
import { prepareDeployment, type PreparedDeployment } from '../../../src/template/prepare';
import { first } from '../../helpers/must';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const RUN = { flowRunId: 'run-1', flowName: 'etl', workflowId: 'flow-run-run-1' };
const GROUP = '/resources/0';

function prepare(overrides: Partial<JobConfigurationInput> = {}): PreparedDeployment {
  return prepareDeployment(parseJobConfiguration({ resource_group_name: 'rg', subscription_id: '11111111-2222-3333-4444-555555555555', ...overrides }), RUN);
}
const patched = (...arm_template_patches: JsonPatchOperation[]) => prepare({ arm_template_patches });
const groupOf = (prepared: PreparedDeployment): Json => first(prepared.template.resources as Json[]);

describe('what arm_template_patches may not do to a flow run', () => {
  it.each<[string, JsonPatchOperation[], RegExp]>([
    [
      'add a second resource',
      [{ op: 'add', path: '/resources/-', value: { type: 'Microsoft.Storage/storageAccounts', apiVersion: '2023-01-01', name: 'exfil', location: 'eastus' } }],
      /^arm_template_patches\[0\] \(at \/resources\): must hold exactly one resource, the run's Microsoft\.ContainerInstance\/containerGroups \(found 2 resources\)/,
    ],
    [
      'swap the group for a nested deployment',
      [
        {
          op: 'replace',
          path: GROUP,
          value: { type: 'Microsoft.Resources/deployments', apiVersion: '2022-09-01', name: 'nested', properties: { mode: 'Incremental', template: {} } },
        },
      ],
      /^arm_template_patches\[0\] \(at \/resources\/0\/type\): must be Microsoft\.ContainerInstance\/containerGroups \(found "Microsoft\.Resources\/deployments"\)/,
    ],
    [
      'change the type',
      [{ op: 'replace', path: `${GROUP}/type`, value: 'Microsoft.Authorization/roleAssignments' }],
      /^arm_template_patches\[0\] \(at \/resources\/0\/type\): must be Microsoft\.ContainerInstance\/containerGroups/,
    ],
    [
      "rename the group onto another run's",
      [{ op: 'replace', path: `${GROUP}/name`, value: 'etl-someone-elses-run' }],
      /^arm_template_patches\[0\] \(at \/resources\/0\/name\): must be \[parameters\('container_group_name'\)\] \(or "etl-run-1"\), the run's own container group \(found "etl-someone-elses-run"\)/,
    ],
    [
      'rename the group through an expression',
      [{ op: 'replace', path: `${GROUP}/name`, value: "[concat(parameters('container_group_name'), '-x')]" }],
      /^arm_template_patches\[0\] \(at \/resources\/0\/name\): must be \[parameters\('container_group_name'\)\]/,
    ],
    [
      'make the group restart',
      [{ op: 'replace', path: `${GROUP}/properties/restartPolicy`, value: 'Always' }],
      /^arm_template_patches\[0\] \(at \/resources\/0\/properties\/restartPolicy\): must be Never \(found "Always"\)/,
    ],
    [
      'drop the restart policy (ACI defaults to Always)',
      [{ op: 'remove', path: `${GROUP}/properties/restartPolicy` }],
      /^arm_template_patches\[0\] \(at \/resources\/0\/properties\/restartPolicy\): must be Never \(found undefined\)/,
    ],
    [
      'loop the group with copy',
      [{ op: 'add', path: `${GROUP}/copy`, value: { name: 'many', count: 50 } }],
      /^arm_template_patches\[0\] \(at \/resources\/0\/copy\): is not allowed on the run's container group/,
    ],
    [
      'nest child resources in the group',
      [{ op: 'add', path: `${GROUP}/resources`, value: [{ type: 'Microsoft.Resources/deployments', name: 'x' }] }],
      /^arm_template_patches\[0\] \(at \/resources\/0\/resources\): is not allowed on the run's container group/,
    ],
    [
      'add outputs',
      [
        {
          op: 'add',
          path: '/outputs',
          value: { keys: { type: 'object', value: "[listKeys(resourceId('Microsoft.Storage/storageAccounts', 'prod'), '2023-01-01')]" } },
        },
      ],
      /^arm_template_patches\[0\] \(at \/outputs\): must be empty/,
    ],
    [
      'replace the whole template',
      [{ op: 'replace', path: '', value: { resources: [] } }],
      /^arm_template_patches\[0\] \(at \/resources\): must hold exactly one resource/,
    ],
    [
      'turn tags into something that is not a tag object',
      [{ op: 'replace', path: `${GROUP}/tags`, value: 'none' }],
      /^arm_template_patches\[0\] \(at \/resources\/0\/tags\): must be an object/,
    ],
  ])('%s: refused before deployment, naming the patch', (_what, patches, message) => {
    // A harmless first patch, so the message must name the offending one.
    const attempt = () => patched({ op: 'add', path: `${GROUP}/properties/sku`, value: 'Standard' }, ...patches);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(new RegExp(message.source.replace('arm_template_patches\\[0\\]', 'arm_template_patches\\[1\\]')));
  });

  it('cannot remove or forge the managed tags: they are applied after every patch', () => {
    const prepared = patched(
      { op: 'remove', path: `${GROUP}/tags/${FLOW_RUN_ID_TAG}` },
      { op: 'replace', path: `${GROUP}/tags/${MANAGED_BY_TAG}`, value: 'someone-else' },
      { op: 'add', path: `${GROUP}/tags/AcI-FlOw-WoRkFlOw-Id`, value: 'flow-run-victim' },
      { op: 'add', path: `${GROUP}/tags/team`, value: 'data' },
    );
    expect(groupOf(prepared).tags).toEqual({ team: 'data', [MANAGED_BY_TAG]: 'aci-flow', [FLOW_RUN_ID_TAG]: 'run-1', [WORKFLOW_ID_TAG]: 'flow-run-run-1' });
  });

  it('re-applies the managed tags even when a patch removed every tag', () => {
    expect(groupOf(patched({ op: 'remove', path: `${GROUP}/tags` })).tags).toEqual({
      [MANAGED_BY_TAG]: 'aci-flow',
      [FLOW_RUN_ID_TAG]: 'run-1',
      [WORKFLOW_ID_TAG]: 'flow-run-run-1',
    });
  });

  it('does not let a label spelled in another case shadow a managed tag', () => {
    expect(groupOf(prepare({ labels: { 'Managed-By': 'someone-else' } })).tags).toEqual({
      [MANAGED_BY_TAG]: 'aci-flow',
      [FLOW_RUN_ID_TAG]: 'run-1',
      [WORKFLOW_ID_TAG]: 'flow-run-run-1',
    });
  });

  it('refuses a pool arm_template that oversteps the group, naming arm_template', () => {
    const template = defaultArmTemplate() as Json;
    template.resources[0].properties.restartPolicy = 'OnFailure';
    expect(() => prepare({ arm_template: template })).toThrow(/^arm_template\.resources\[0\]\.properties\.restartPolicy: must be Never/);
    const nested = { ...defaultArmTemplate(), functions: [] };
    expect(() => prepare({ arm_template: nested })).toThrow(/^arm_template\.functions: is not allowed in a flow run's template/);
  });
});

describe("what arm_template_patches may do to the run's own container group", () => {
  it('mounts an Azure Files share with the storage key by reference', () => {
    const prepared = patched(
      {
        op: 'add',
        path: `${GROUP}/properties/volumes`,
        value: [{ name: 'data', azureFile: { shareName: 'flows', storageAccountName: 'mystorage', storageAccountKey: 'secretref:files-key' } }],
      },
      { op: 'add', path: `${GROUP}/properties/containers/0/properties/volumeMounts`, value: [{ name: 'data', mountPath: '/mnt/data' }] },
    );
    expect(groupOf(prepared).properties.volumes[0].azureFile.storageAccountKey).toBe('secretref:files-key');
    expect(groupOf(prepared).properties.containers[0].properties.volumeMounts).toEqual([{ name: 'data', mountPath: '/mnt/data' }]);
  });

  it('opens ports on its container', () => {
    const prepared = patched({ op: 'add', path: `${GROUP}/properties/containers/0/properties/ports`, value: [{ port: 8080 }] });
    expect(groupOf(prepared).properties.containers[0].properties.ports).toEqual([{ port: 8080 }]);
  });

  it('refuses a key by reference outside the named secret positions, such as a Log Analytics workspace key', () => {
    expect(() =>
      patched({ op: 'add', path: `${GROUP}/properties/diagnostics`, value: { logAnalytics: { workspaceId: 'w', workspaceKey: 'secretref:LA_KEY' } } }),
    ).toThrow(/^arm_template_patches\[0\] \(at \/resources\/0\/properties\/diagnostics\/logAnalytics\/workspaceKey\): holds a secret reference/);
  });
});
