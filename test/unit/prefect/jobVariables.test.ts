import { ConfigError, defaultBaseJobTemplate, renderJobConfiguration } from '../../../src/config';
import { DEFAULT_FLOW_RUN_COMMAND, jobValues, mergeJobVariables } from '../../../src/prefect/jobVariables';

const required = { resource_group_name: 'rg', subscription_id: '00000000-0000-0000-0000-000000000000' };

describe('mergeJobVariables (Prefect BaseWorker._get_configuration)', () => {
  it('lets the flow run replace deployment variables and merges env entries', () => {
    expect(mergeJobVariables({ cpu: 1, image: 'a', env: { A: '1', B: '2' } }, { cpu: 2, env: { B: 'x', C: '3' } })).toEqual({
      cpu: 2,
      image: 'a',
      env: { A: '1', B: 'x', C: '3' },
    });
  });

  it('reads dotted keys as nested values, the nested form winning', () => {
    expect(mergeJobVariables({ 'env.A': '1', env: { A: '2', B: '3' } }, null)).toEqual({ env: { A: '2', B: '3' } });
  });

  it('refuses keys that could reach an object prototype', () => {
    expect(() => mergeJobVariables({ 'env.__proto__': 'x' }, {})).toThrow(ConfigError);
    expect(() => mergeJobVariables(JSON.parse('{"__proto__": {"polluted": 1}}'), {})).toThrow(ConfigError);
  });
});

describe('jobValues (what Prefect workers inject)', () => {
  const template = defaultBaseJobTemplate();

  it('injects PREFECT_API_URL, the API key by reference and the default command', () => {
    const values = jobValues(template, required, { apiUrl: 'http://prefect/api', apiKeySecret: 'PREFECT_API_KEY' });
    const configuration = renderJobConfiguration(template, values);
    expect(configuration.env).toEqual({ PREFECT_API_URL: 'http://prefect/api', PREFECT_API_KEY: 'secretref:PREFECT_API_KEY' });
    expect(configuration.command).toBe(DEFAULT_FLOW_RUN_COMMAND);
  });

  it('lets job variables override the injected env and keep their own command', () => {
    const values = jobValues(
      template,
      { ...required, command: 'python main.py', env: { PREFECT_API_URL: 'http://other/api' } },
      { apiUrl: 'http://prefect/api' },
    );
    const configuration = renderJobConfiguration(template, values);
    expect(configuration.env).toEqual({ PREFECT_API_URL: 'http://other/api' });
    expect(configuration.command).toBe('python main.py');
  });

  it("keeps the pool's env default between the injected values and the job variables", () => {
    const pool = structuredClone(template);
    (pool.variables.properties.env as Record<string, unknown>).default = { PREFECT_API_URL: 'http://pool/api', TEAM: 'data' };
    const configuration = renderJobConfiguration(pool, jobValues(pool, { ...required, env: { TEAM: 'ml' } }, { apiUrl: 'http://prefect/api' }));
    expect(configuration.env).toEqual({ PREFECT_API_URL: 'http://pool/api', TEAM: 'ml' });
  });

  it('says what to add when the pool declares no env variable', () => {
    const pool = structuredClone(template);
    delete pool.variables.properties.env;
    expect(() => jobValues(pool, required, { apiUrl: 'http://prefect/api' })).toThrow(/variables\.env.*add the "env" variable/);
  });
});
