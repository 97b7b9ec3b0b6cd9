import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultBaseJobTemplate } from '../../../src/config/baseJobTemplate';
import { ConfigError } from '../../../src/config/errors';
import { parseJobConfiguration } from '../../../src/config/jobConfiguration';
import { fillPlaceholders } from '../../../src/config/placeholders';
import { loadPoolConfig, parseDocument, renderJobConfiguration } from '../../../src/config/poolConfig';
import { assertSafeKeys } from '../../../src/config/safeKeys';

const REQUIRED = { resource_group_name: 'rg', subscription_id: '11111111-2222-3333-4444-555555555555' };
const ATTACK = '{"__proto__": {"polluted": 1}}';
const dir = mkdtempSync(join(tmpdir(), 'aci-flow-keys-'));

function polluted(): unknown {
  return ({} as Record<string, unknown>).polluted;
}

afterEach(() => {
  // If an attack ever succeeds, do not let it leak into the next test.
  delete (Object.prototype as Record<string, unknown>).polluted;
});

describe('keys that could reach an object prototype', () => {
  it.each(['__proto__', 'constructor', 'prototype'])('are refused anywhere in a document, naming the key %s and its path', (key) => {
    const attempt = () => assertSafeKeys(JSON.parse(`{"env": {"${key}": {"polluted": 1}}}`), 'job_configuration');
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(`job_configuration.env.${key}: the key "${key}" is not allowed`);
  });

  it('are refused in per-run values parsed from JSON, and nothing is polluted', () => {
    const attempt = () => renderJobConfiguration(defaultBaseJobTemplate(), { ...REQUIRED, env: JSON.parse(ATTACK) });
    expect(attempt).toThrow('env.__proto__: the key "__proto__" is not allowed');
    expect(() => renderJobConfiguration(defaultBaseJobTemplate(), { ...REQUIRED, ...JSON.parse(ATTACK) })).toThrow(
      '__proto__: the key "__proto__" is not allowed',
    );
    expect(polluted()).toBeUndefined();
  });

  it('are refused in a job configuration, before zod copies it', () => {
    expect(() => parseJobConfiguration({ ...REQUIRED, labels: JSON.parse(ATTACK) })).toThrow(
      'job_configuration.labels.__proto__: the key "__proto__" is not allowed',
    );
    expect(polluted()).toBeUndefined();
  });

  it('are refused by the placeholder renderer, which copies templates key by key', () => {
    const template = JSON.parse(`{"env": {"__proto__": {"polluted": "{{ value }}"}}}`);
    const attempt = () => fillPlaceholders(template, { value: 1 }, new Set(['value']));
    expect(attempt).toThrow('job_configuration.env.__proto__: the key "__proto__" is not allowed');
    expect(polluted()).toBeUndefined();
  });

  it('are refused in JSON and YAML documents', () => {
    expect(() => parseDocument(ATTACK, '.json')).toThrow('__proto__: the key "__proto__" is not allowed');
    expect(() => parseDocument('env:\n  constructor:\n    prototype:\n      polluted: 1\n', '.yaml')).toThrow(
      'env.constructor: the key "constructor" is not allowed',
    );
    expect(polluted()).toBeUndefined();
  });

  it('are refused in a pool file, naming the file and the path', async () => {
    const template = defaultBaseJobTemplate();
    const text = JSON.stringify({ name: 'p', base_job_template: template }).replace(
      '"job_configuration":{',
      `"job_configuration":{"__proto__":{"polluted":1},`,
    );
    const path = join(dir, 'polluted.json');
    writeFileSync(path, text);
    await expect(loadPoolConfig(path)).rejects.toThrow(`${path}: base_job_template.job_configuration.__proto__: the key "__proto__" is not allowed`);
    expect(polluted()).toBeUndefined();
  });
});
