import { ConfigError } from '../../../src/config/errors';
import { JobConfigurationSchema, parseJobConfiguration } from '../../../src/config/jobConfiguration';
import { defaultArmTemplate } from '../../../src/config/defaultArmTemplate';

const REQUIRED = { resource_group_name: 'rg', subscription_id: '00000000-0000-0000-0000-000000000000' };

describe('the job configuration schema', () => {
  it("fills Prefect's defaults for everything but the resource group and subscription", () => {
    expect(parseJobConfiguration(REQUIRED)).toEqual({
      ...REQUIRED,
      env: {},
      labels: {},
      run_secret_names: [],
      image: 'prefecthq/prefect:3.9.1-python3.12',
      entrypoint: '/opt/prefect/entrypoint.sh',
      cpu: 1,
      memory: 1,
      stream_output: false,
      task_start_timeout_seconds: 240,
      task_watch_poll_interval: 5,
      keep_container_group: false,
      keep_failed_container_group: false,
      arm_template: defaultArmTemplate(),
      arm_template_patches: [],
      secret_env_names: [],
      cleanup_timeout_seconds: 86_400,
      cancel_grace_seconds: 30,
      exit_log_pattern: "Flow run '*' - Finished in state *",
    });
  });

  it.each(['resource_group_name', 'subscription_id'])('requires %s and names it', (field) => {
    const input: Record<string, unknown> = { ...REQUIRED };
    delete input[field];
    expect(() => parseJobConfiguration(input)).toThrow(`job_configuration.${field}: is required`);
  });

  it('names the field holding a value of the wrong type', () => {
    expect(() => parseJobConfiguration({ ...REQUIRED, cpu: 'two' })).toThrow(/^job_configuration\.cpu: .*number/);
    expect(() => parseJobConfiguration({ ...REQUIRED, task_start_timeout_seconds: 2.5 })).toThrow(/^job_configuration\.task_start_timeout_seconds: /);
    expect(() => parseJobConfiguration({ ...REQUIRED, subnet_ids: ['ok', 3] })).toThrow(/^job_configuration\.subnet_ids\[1\]: /);
    expect(() => parseJobConfiguration({ ...REQUIRED, cleanup_timeout_seconds: 0 })).toThrow(
      /^job_configuration\.cleanup_timeout_seconds: must be greater than 0/,
    );
  });

  it('rejects an unknown field, so a typo does not go unnoticed', () => {
    expect(() => parseJobConfiguration({ ...REQUIRED, cpus: 2 })).toThrow('job_configuration.cpus: is not a known field here');
  });

  it('accepts both kinds of image registry credentials', () => {
    const password = { registry_url: 'r.example.com', username: 'u', password: 'secretref:REG' };
    const identity = { registry_url: 'a.azurecr.io', identity: '/subscriptions/s/identity' };
    expect(parseJobConfiguration({ ...REQUIRED, image_registry: password }).image_registry).toEqual(password);
    expect(parseJobConfiguration({ ...REQUIRED, image_registry: identity }).image_registry).toEqual(identity);
  });

  it('names what an incomplete image registry lacks', () => {
    expect(() => parseJobConfiguration({ ...REQUIRED, image_registry: { registry_url: 'a.azurecr.io' } })).toThrow(
      /^job_configuration\.image_registry\.identity: /,
    );
  });

  it('requires a GPU SKU with a GPU count, and a count with a SKU', () => {
    expect(() => parseJobConfiguration({ ...REQUIRED, gpu_count: 1 })).toThrow(/^job_configuration\.gpu_sku: is required when gpu_count is set/);
    expect(() => parseJobConfiguration({ ...REQUIRED, gpu_sku: 'V100' })).toThrow(/^job_configuration\.gpu_count: is required when gpu_sku is set/);
    expect(parseJobConfiguration({ ...REQUIRED, gpu_count: 2, gpu_sku: 'V100' })).toMatchObject({ gpu_count: 2, gpu_sku: 'V100' });
  });

  it('accepts Prefect-style labels with a slash (they become tags with a dot, see labels.ts)', () => {
    expect(parseJobConfiguration({ ...REQUIRED, labels: { 'prefect.io/flow-run-id': 'x' } }).labels).toEqual({ 'prefect.io/flow-run-id': 'x' });
  });

  it.each([
    ['a character Azure tag names cannot hold', { 'a?b': 'x' }, 'a?b', /labels\.a\?b: holds "\?", which Azure tag names cannot hold/],
    ['a name longer than 512 characters', { ['k'.repeat(513)]: 'x' }, 'k'.repeat(513), /label name is 513 characters; Azure tag names hold at most 512/],
    ['a value longer than 256 characters', { team: 'v'.repeat(257) }, 'team', /labels\.team: has a value of 257 characters; Azure tag values hold at most 256/],
    ['two labels that become the same tag', { 'a/b': 'x', 'A.b': 'y' }, 'A.b', /labels "a\/b" and "A\.b" both become the Azure tag "A\.b"/],
  ])('rejects a label with %s, naming the label', (_what, labels, label, message) => {
    expect(() => parseJobConfiguration({ ...REQUIRED, labels })).toThrow(`job_configuration.labels.${label}: `);
    expect(() => parseJobConfiguration({ ...REQUIRED, labels })).toThrow(message);
  });

  describe('max_run_seconds and keep_failed_container_group', () => {
    it('default to unlimited and to deleting failed groups', () => {
      expect(parseJobConfiguration(REQUIRED)).toMatchObject({ keep_failed_container_group: false });
      expect(parseJobConfiguration(REQUIRED).max_run_seconds).toBeUndefined();
      expect(parseJobConfiguration({ ...REQUIRED, max_run_seconds: null }).max_run_seconds).toBeNull();
    });

    it.each([0, -1, 1.5, 3_000_000])('rejects max_run_seconds %p, naming the field', (value) => {
      expect(() => parseJobConfiguration({ ...REQUIRED, max_run_seconds: value })).toThrow(/^job_configuration\.max_run_seconds: /);
    });
  });

  describe('aci_credentials', () => {
    const principal = { client_id: 'app-id', tenant_id: 'tenant', client_secret: 'secretref:ACI_CLIENT_SECRET' };

    it('accepts a service principal whose secret is a reference, and a managed identity client id alone', () => {
      expect(parseJobConfiguration({ ...REQUIRED, aci_credentials: principal }).aci_credentials).toEqual(principal);
      expect(parseJobConfiguration({ ...REQUIRED, aci_credentials: { client_id: 'mi-client' } }).aci_credentials).toEqual({ client_id: 'mi-client' });
    });

    it('rejects a literal client secret, so it never enters workflow history', () => {
      expect(() => parseJobConfiguration({ ...REQUIRED, aci_credentials: { ...principal, client_secret: 'hunter2' } })).toThrow(
        'job_configuration.aci_credentials.client_secret: aci_credentials.client_secret holds a literal secret; pass it by reference as secretref:NAME',
      );
    });

    it('requires tenant_id and client_secret together', () => {
      expect(() => parseJobConfiguration({ ...REQUIRED, aci_credentials: { client_id: 'a', tenant_id: 't' } })).toThrow(
        /^job_configuration\.aci_credentials\.client_secret: is required: a service principal needs client_id, tenant_id and client_secret/,
      );
      expect(() => parseJobConfiguration({ ...REQUIRED, aci_credentials: { client_id: 'a', client_secret: 'secretref:S' } })).toThrow(
        /^job_configuration\.aci_credentials\.tenant_id: is required/,
      );
    });

    it('rejects unknown keys such as credential_kwargs', () => {
      expect(() => parseJobConfiguration({ ...REQUIRED, aci_credentials: { client_id: 'a', credential_kwargs: {} } })).toThrow(
        /job_configuration\.aci_credentials\.credential_kwargs/,
      );
    });
  });

  it('rejects a malformed JSON-Patch operation, naming its index', () => {
    expect(() => parseJobConfiguration({ ...REQUIRED, arm_template_patches: [{ op: 'replace', path: '/a' }] })).toThrow(
      /^job_configuration\.arm_template_patches\[0\]/,
    );
    expect(() => parseJobConfiguration({ ...REQUIRED, arm_template_patches: [{ op: 'jump', path: '/a' }] })).toThrow(
      /^job_configuration\.arm_template_patches\[0\]/,
    );
    expect(() => parseJobConfiguration({ ...REQUIRED, arm_template_patches: [{ op: 'add', path: 'no-slash', value: 1 }] })).toThrow(
      /^job_configuration\.arm_template_patches\[0\]\.path: must be a JSON pointer/,
    );
  });

  describe('secrets by reference', () => {
    it('rejects a literal PREFECT_API_KEY with a message that says how to pass it', () => {
      const attempt = () => parseJobConfiguration({ ...REQUIRED, env: { PREFECT_API_KEY: 'pnu_abc123' } });
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow('env.PREFECT_API_KEY holds a literal secret; pass it by reference as secretref:NAME so it never enters workflow history');
    });

    it('never repeats the literal secret in the error', () => {
      expect(() => parseJobConfiguration({ ...REQUIRED, env: { PREFECT_API_AUTH_STRING: 'user:hunter2' } })).toThrow(
        expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
      );
    });

    it('rejects literals in env vars listed in secret_env_names', () => {
      expect(() => parseJobConfiguration({ ...REQUIRED, env: { DB_PASSWORD: 'pw' }, secret_env_names: ['DB_PASSWORD'] })).toThrow(
        /^job_configuration\.env\.DB_PASSWORD: env\.DB_PASSWORD holds a literal secret/,
      );
    });

    it('rejects a literal registry password', () => {
      expect(() => parseJobConfiguration({ ...REQUIRED, image_registry: { registry_url: 'r', username: 'u', password: 'pw' } })).toThrow(
        /^job_configuration\.image_registry\.password: image_registry\.password holds a literal secret/,
      );
    });

    it('rejects a malformed secret reference', () => {
      expect(() => parseJobConfiguration({ ...REQUIRED, env: { TOKEN: 'secretref:not valid' } })).toThrow(
        /^job_configuration\.env\.TOKEN: "secretref:not valid" is not a valid secret reference/,
      );
    });

    it.each([
      ['DB_PASSWORD'],
      ['pgpassword'],
      ['GITHUB_TOKEN'],
      ['AWS_SECRET_ACCESS_KEY'],
      ['OPENAI_API_KEY'],
      ['Stripe-ApiKey'],
      ['SERVICE_CREDENTIALS'],
      ['STORAGE_CONNECTION_STRING'],
      ['SIGNING_KEY'],
    ])('rejects a literal value under the secret-looking name %s, as for PREFECT_API_KEY', (name) => {
      expect(() => parseJobConfiguration({ ...REQUIRED, env: { [name]: 'literal' } })).toThrow(
        `job_configuration.env.${name}: env.${name} holds a literal secret; pass it by reference as secretref:NAME so it never enters workflow history`,
      );
    });

    it('keeps plain settings whose names only resemble secrets', () => {
      const env = { TOKENIZERS_PARALLELISM: 'false', KEYBOARD_LAYOUT: 'us', LOG_LEVEL: 'info' };
      expect(parseJobConfiguration({ ...REQUIRED, env }).env).toEqual(env);
    });

    it.each([
      ['image', { image: 'secretref:AZURE_CLIENT_SECRET' }, 'image'],
      ['a command string', { command: 'echo secretref:DB' }, 'command'],
      ['a command list', { command: ['echo', 'secretref:DB'] }, 'command[1]'],
      ['the entrypoint', { entrypoint: 'secretref:DB' }, 'entrypoint'],
      ['a label (an Azure tag anyone with read access sees)', { labels: { leak: 'secretref:DB' } }, 'labels.leak'],
      ['the name', { name: 'secretref:DB' }, 'name'],
      ['an identity', { identities: ['secretref:DB'] }, 'identities[0]'],
      ['a subnet id', { subnet_ids: ['secretref:DB'] }, 'subnet_ids[0]'],
      ['a DNS server', { dns_servers: ['secretref:DB'] }, 'dns_servers[0]'],
      ['the resource group', { resource_group_name: 'secretref:DB' }, 'resource_group_name'],
      ['the registry user name', { image_registry: { registry_url: 'r', username: 'secretref:DB', password: 'secretref:REG' } }, 'image_registry.username'],
    ])('rejects a secret reference in %s, naming the field', (_what, values, field) => {
      expect(() => parseJobConfiguration({ ...REQUIRED, ...values })).toThrow(
        `job_configuration.${field}: holds a secret reference, but secretref:NAME is accepted only in env values, image_registry.password and aci_credentials.client_secret`,
      );
    });

    it('rejects an env value that embeds a reference in other text', () => {
      expect(() => parseJobConfiguration({ ...REQUIRED, env: { URL: 'https://u:secretref:DB@db.example.com' } })).toThrow(
        /^job_configuration\.env\.URL: "https:\/\/u:secretref:DB@db\.example\.com" is not a valid secret reference; write secretref:NAME \(the whole value\)/,
      );
    });

    it('rejects reference names that could leave the secrets directory', () => {
      for (const name of ['../etc/passwd', 'a/b', '.hidden', 'a.b']) {
        expect(() => parseJobConfiguration({ ...REQUIRED, env: { PREFECT_API_KEY: `secretref:${name}` } })).toThrow(/is not a valid secret reference/);
      }
    });

    it('accepts Key Vault style reference names', () => {
      expect(parseJobConfiguration({ ...REQUIRED, env: { DB_PASSWORD: 'secretref:db-password' } }).env).toEqual({
        DB_PASSWORD: 'secretref:db-password',
      });
    });

    it('accepts references in secret variables and plain values elsewhere', () => {
      const config = parseJobConfiguration({ ...REQUIRED, env: { PREFECT_API_KEY: 'secretref:PREFECT_API_KEY', LEVEL: 'info' } });
      expect(config.env).toEqual({ PREFECT_API_KEY: 'secretref:PREFECT_API_KEY', LEVEL: 'info' });
    });
  });

  it('is plain JSON, so it can travel as workflow input', () => {
    const config = JobConfigurationSchema.parse({ ...REQUIRED, identities: ['/id'], command: ['a', 'b'] });
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
  });
});
