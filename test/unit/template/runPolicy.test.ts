/**
 * What a pool lets its runs reach, through renderFlowRun — the one function `render`, `start`
 * and the worker call. One test per attack of issue 17 on the configuration and the template.
 */
import { defaultBaseJobTemplate, type BaseJobTemplate } from '../../../src/config';
import { ConfigError } from '../../../src/config/errors';
import { renderFlowRun } from '../../../src/template/renderRun';
import { first } from '../../helpers/must';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const RUN = { flowRunId: 'run-1', flowName: 'etl', workflowId: 'flow-run-run-1' };
const SUBSCRIPTION = '11111111-2222-3333-4444-555555555555';
const REQUIRED = { resource_group_name: 'rg', subscription_id: SUBSCRIPTION };
const identity = (name: string) => `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;
const subnet = (name: string) => `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/${name}`;

/** The default template with the pool's policy in job_configuration and some variable defaults. */
function pool(jobConfiguration: Record<string, unknown> = {}, defaults: Record<string, unknown> = {}): BaseJobTemplate {
  const template = defaultBaseJobTemplate();
  Object.assign(template.job_configuration, jobConfiguration);
  for (const [name, value] of Object.entries(defaults)) (template.variables.properties[name] as Json).default = value;
  return template;
}

const SP_POOL = pool({}, { aci_credentials: { client_id: 'app', tenant_id: 'tenant', client_secret: 'secretref:ACI_SP_SECRET' } });

function refusal(template: BaseJobTemplate, values: Record<string, unknown>): ConfigError {
  try {
    renderFlowRun(template, { ...REQUIRED, ...values }, RUN);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected the run to be refused');
}

describe('operator secrets are not run secrets', () => {
  it("refuses a run that references the pool's service-principal secret in its env (the exfiltration of issue 17)", () => {
    const error = refusal(SP_POOL, { env: { STEAL: 'secretref:ACI_SP_SECRET' } });
    expect(error.message).toMatch(/^env\.STEAL: secretref:ACI_SP_SECRET is the secret of the pool's aci_credentials/);
  });

  it('refuses the service-principal secret even when the operator lists its name for runs', () => {
    const listed = pool(
      { run_secret_names: ['ACI_SP_SECRET'] },
      { aci_credentials: { client_id: 'app', tenant_id: 't', client_secret: 'secretref:ACI_SP_SECRET' } },
    );
    expect(refusal(listed, { env: { STEAL: 'secretref:ACI_SP_SECRET' } }).message).toMatch(/is the secret of the pool's aci_credentials/);
  });

  it('refuses any reference a run brings that the pool does not list, naming the reference and the list', () => {
    expect(refusal(pool(), { env: { DB_PASSWORD: 'secretref:DB_PASSWORD' } }).message).toBe(
      "env.DB_PASSWORD: secretref:DB_PASSWORD is not a secret this pool's runs may reference; the operator lists those in the pool's run_secret_names (now: none)",
    );
    const registry = { registry_url: 'r.io', username: 'u', password: 'secretref:REGISTRY' };
    expect(refusal(pool({ run_secret_names: ['DB'] }), { image_registry: registry }).message).toMatch(
      /^image_registry\.password: secretref:REGISTRY is not a secret this pool's runs may reference; .*\(now: DB\)/,
    );
    const patch = {
      op: 'add',
      path: '/resources/0/properties/containers/0/properties/environmentVariables/-',
      value: { name: 'X', secureValue: 'secretref:OTHER' },
    };
    expect(refusal(pool(), { arm_template_patches: [patch] }).message).toMatch(/^arm_template_patches\.0\.value\.secureValue: secretref:OTHER is not a secret/);
  });

  it("accepts listed names, the pool's own references passed back unchanged, and the Prefect bridge's API key under its own name", () => {
    const template = pool({ run_secret_names: ['DB_PASSWORD'] }, { env: { TEAM_TOKEN: 'secretref:TEAM_TOKEN' } });
    const { deployment } = renderFlowRun(
      template,
      {
        ...REQUIRED,
        env: { DB_PASSWORD: 'secretref:DB_PASSWORD', TEAM_TOKEN: 'secretref:TEAM_TOKEN', PREFECT_API_KEY: 'secretref:PREFECT_API_KEY' },
      },
      RUN,
    );
    expect(JSON.stringify(deployment.template)).toContain('secretref:TEAM_TOKEN');
    // The bridge's key is accepted only under its own name, nowhere else.
    expect(refusal(pool(), { env: { STEAL: 'secretref:PREFECT_API_KEY' } }).message).toMatch(/^env\.STEAL: secretref:PREFECT_API_KEY is not a secret/);
    expect(refusal(pool(), { env: { PREFECT_API_KEY: 'secretref:OTHER' } }).message).toMatch(/^env\.PREFECT_API_KEY: secretref:OTHER is not a secret/);
  });

  it("refuses the pool's registry password passed back with another registry_url, where it would be sent", () => {
    const registry = { registry_url: 'r.io', username: 'u', password: 'secretref:REGISTRY' };
    const template = pool({}, { image_registry: registry });
    expect(() => renderFlowRun(template, { ...REQUIRED, image_registry: registry }, RUN)).not.toThrow();
    expect(refusal(template, { image_registry: { ...registry, registry_url: 'attacker.example' } }).message).toMatch(
      /^image_registry\.password: secretref:REGISTRY is not a secret this pool's runs may reference/,
    );
  });

  it("refuses a patch that copies the pool's registry password into the container's env", () => {
    const template = pool({ run_secret_names: [] }, { image_registry: { registry_url: 'r.io', username: 'u', password: 'secretref:REGISTRY' } });
    const copy = {
      op: 'copy',
      from: '/resources/0/properties/imageRegistryCredentials/0/password',
      path: '/resources/0/properties/containers/0/properties/environmentVariables/0/secureValue',
    };
    expect(refusal(template, { arm_template_patches: [copy] }).message).toMatch(/^arm_template_patches\[0\]: copys from \S+, which holds a secret reference/);
  });

  it("refuses a patch that points the pool's registry credential at another server", () => {
    const template = pool({}, { image_registry: { registry_url: 'r.io', username: 'u', password: 'secretref:REGISTRY' } });
    const redirect = { op: 'replace', path: '/resources/0/properties/imageRegistryCredentials/0/server', value: 'attacker.example' };
    expect(refusal(template, { arm_template_patches: [redirect] }).message).toMatch(
      /^arm_template_patches\[0\]: replace at \S+\/server changes an entry that carries a secret reference/,
    );
  });

  it.each(['run_secret_names', 'allowed_identities', 'allowed_subnet_ids', 'aci_credentials'])('a run cannot set the pool-only %s', (field) => {
    expect(refusal(pool(), { [field]: [] }).message).toMatch(new RegExp(`^${field}: is set by the work pool only`));
  });
});

describe('allow-lists of identities and subnets', () => {
  it("allows by default only the identities and subnets the pool's own defaults name", () => {
    const template = pool({}, { identities: [identity('pool-id')], subnet_ids: [subnet('pool-net')] });
    expect(() => renderFlowRun(template, REQUIRED, RUN)).not.toThrow();
    expect(refusal(template, { identities: [identity('admin')] }).message).toMatch(
      /^identities: '\/subscriptions\/.*\/userAssignedIdentities\/admin' is not an identity this pool's runs may use; the pool allows '.*pool-id' \(allowed_identities\)/,
    );
    expect(refusal(template, { subnet_ids: [subnet('prod-db')] }).message).toMatch(/^subnet_ids: '.*prod-db' is not a subnet this pool's runs may join/);
    expect(refusal(pool(), { identities: [identity('any')] }).message).toMatch(/the pool allows none/);
  });

  it('compares resource ids case-insensitively, as ARM does', () => {
    const template = pool({ allowed_identities: [identity('Runner')] });
    expect(() => renderFlowRun(template, { ...REQUIRED, identities: [identity('runner').toUpperCase()] }, RUN)).not.toThrow();
  });

  it('refuses identities and subnets a patch adds, not only those of variables', () => {
    const template = pool({ allowed_identities: [identity('runner')] });
    const addIdentity = { op: 'add', path: '/resources/0/identity', value: { type: 'UserAssigned', userAssignedIdentities: { [identity('admin')]: {} } } };
    expect(refusal(template, { arm_template_patches: [addIdentity] }).message).toMatch(
      /^arm_template \(at \/resources\/0\/identity\/userAssignedIdentities\): '.*admin' is not an identity/,
    );
    const addSubnet = { op: 'add', path: '/resources/0/properties/subnetIds', value: [{ id: subnet('prod-db') }] };
    expect(refusal(template, { arm_template_patches: [addSubnet] }).message).toMatch(
      /^arm_template \(at \/resources\/0\/properties\/subnetIds\/0\/id\): '.*prod-db' is not a subnet/,
    );
  });

  it('an explicit allow-list replaces the default', () => {
    const template = pool({ allowed_subnet_ids: [subnet('a'), subnet('b')] }, { subnet_ids: [subnet('a')] });
    expect(() => renderFlowRun(template, { ...REQUIRED, subnet_ids: [subnet('b')] }, RUN)).not.toThrow();
  });
});

describe('names, tags and expressions (issue 17, smaller items)', () => {
  it.each(['..', 'rg/../other', 'rg.', '', 'a'.repeat(91), 'rg%2F..'])('refuses resource_group_name %p by ARM rules', (name) => {
    expect(refusal(pool(), { resource_group_name: name }).message).toMatch(/^resource_group_name: /);
  });

  it.each(['sub', '../..', '00000000-0000-0000-0000-00000000000', '00000000-0000-0000-0000-000000000000/x'])('refuses subscription_id %p: not a GUID', (id) => {
    expect(refusal(pool(), { subscription_id: id }).message).toMatch(/^subscription_id: must be a subscription GUID/);
  });

  it('escapes the managed tag values, so a run id shaped like an expression is not evaluated', () => {
    const { deployment } = renderFlowRun(pool(), REQUIRED, { flowRunId: '[deployment()]', flowName: 'etl', workflowId: 'flow-run-[deployment()]' });
    const tags = first(deployment.template.resources as Json[]).tags;
    expect(tags['aci-flow-flow-run-id']).toBe('[[deployment()]');
    expect(tags['aci-flow-workflow-id']).toBe('flow-run-[deployment()]');
  });

  it('refuses deployment() in a patch, which could copy the deployment into a tag', () => {
    const patch = { op: 'add', path: '/resources/0/tags/copy', value: '[string(deployment().properties.template)]' };
    expect(refusal(pool(), { arm_template_patches: [patch] }).message).toMatch(/^arm_template_patches\[0\]: writes an expression that calls deployment\(\)/);
  });

  it('compares keys case-insensitively: a second restart policy spelled RestartPolicy is refused', () => {
    const patch = { op: 'add', path: '/resources/0/properties/RestartPolicy', value: 'Always' };
    expect(refusal(pool(), { arm_template_patches: [patch] }).message).toMatch(
      /^arm_template_patches\[0\] \(at \/resources\/0\/properties\/RestartPolicy\): names the same property as "restartPolicy"/,
    );
    const outputs = { op: 'add', path: '/Outputs', value: { leak: { type: 'string', value: 'x' } } };
    expect(refusal(pool(), { arm_template_patches: [outputs] }).message).toMatch(/\(at \/Outputs\): must be empty/);
  });

  it('refuses an expression as a property name outside parameters and variables', () => {
    const patch = { op: 'add', path: "/resources/0/properties/[concat('restart','Policy')]", value: 'Always' };
    expect(refusal(pool(), { arm_template_patches: [patch] }).message).toMatch(/is an expression used as a property name/);
  });

  it("refuses parameters() with a computed name and any mention of the worker's secret parameters", () => {
    const computed = { op: 'add', path: '/resources/0/tags/x', value: "[parameters(concat('aciFlow', 'Secret0'))]" };
    expect(refusal(pool(), { arm_template_patches: [computed] }).message).toMatch(/calls parameters\(\) with a computed name/);
    const named = { op: 'add', path: '/resources/0/tags/x', value: "[parameters('aciFlowSecret0')]" };
    expect(refusal(pool(), { arm_template_patches: [named] }).message).toMatch(/mentions "aciFlowSecret"/);
  });
});

describe("a Prefect pool's block secrets (secretref:prefect-block-…)", () => {
  const BLOCK = '6d4e3a52-8c1f-4d7b-9f61-2b0a7c9e5d13';
  const poolsRegistry = { registry_url: 'r.io', username: 'puller', password: `secretref:prefect-block-${BLOCK}-password` };
  const blockPool = pool({}, { image_registry: poolsRegistry });

  it("renders the pool's own block, the password as a reference, and accepts a run naming the same block", () => {
    expect(renderFlowRun(blockPool, REQUIRED, RUN).configuration.image_registry).toEqual(poolsRegistry);
    expect(renderFlowRun(blockPool, { ...REQUIRED, image_registry: { ...poolsRegistry } }, RUN).configuration.image_registry).toEqual(poolsRegistry);
  });

  it("refuses a run whose block holds a secret when it is not the pool's own block", () => {
    const other = { registry_url: 'evil.io', username: 'u', password: 'secretref:prefect-block-0f0f0f0f-0000-4000-8000-000000000000-password' };
    expect(refusal(blockPool, { image_registry: other }).message).toMatch(
      /^image_registry\.password: secretref:prefect-block-0f0f0f0f-.*-password is the secret of a Prefect block the work pool does not use for image_registry/,
    );
  });

  it("refuses the pool's block password sent to another registry, or into the container's env, even when listed in run_secret_names", () => {
    const stolen = { ...poolsRegistry, registry_url: 'evil.io' };
    expect(refusal(blockPool, { image_registry: stolen }).message).toMatch(/is the secret of a Prefect block the work pool does not use for image_registry/);
    const listed = pool({ run_secret_names: [`prefect-block-${BLOCK}-password`] }, { image_registry: poolsRegistry });
    expect(refusal(listed, { env: { STEAL: poolsRegistry.password } }).message).toMatch(
      /^env\.STEAL: .* is the secret of a Prefect block the work pool does not use for env\.STEAL/,
    );
  });
});
