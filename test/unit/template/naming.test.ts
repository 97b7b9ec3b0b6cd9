import { ConfigError } from '../../../src/config/errors';
import {
  containerGroupNameFor,
  containerNameFor,
  DEPLOYMENT_NAME_PREFIX,
  deploymentNameFor,
  slugify,
} from '../../../src/template/naming';

const RUN_ID = '3f2c0a4e-1b7d-4c8e-9f00-0123456789ab';
const VALID_ACI_NAME = /^[a-z0-9]([a-z0-9]|-(?!-))*[a-z0-9]$/;

describe('container group names', () => {
  it('joins the slug of the flow name and the flow run id', () => {
    expect(containerGroupNameFor('ETL: Nightly Load', RUN_ID)).toBe(`etl-nightly-load-${RUN_ID}`);
  });

  it('turns accents into plain letters and collapses runs of symbols into one hyphen', () => {
    expect(containerGroupNameFor('Café -- ünïcode__flow!!', 'run-1')).toBe('cafe-unicode-flow-run-1');
  });

  it('falls back to "flow" when the flow name is made only of symbols', () => {
    expect(containerGroupNameFor('!!! ### ***', RUN_ID)).toBe(`flow-${RUN_ID}`);
    expect(containerGroupNameFor('', RUN_ID)).toBe(`flow-${RUN_ID}`);
    expect(containerGroupNameFor('日本語のフロー', RUN_ID)).toBe(`flow-${RUN_ID}`);
  });

  it('stays within 63 characters for a very long flow name and keeps the whole run id at the end', () => {
    const name = containerGroupNameFor('a-very-long-flow-name-'.repeat(20), RUN_ID);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name.endsWith(`-${RUN_ID}`)).toBe(true);
    expect(name.startsWith('a-very-long-flow')).toBe(true);
    expect(name).toMatch(VALID_ACI_NAME);
  });

  it('never leaves a hyphen where the flow name was cut', () => {
    // 26 characters of flow name fit beside a UUID; the 26th here is a separator.
    const name = containerGroupNameFor('abcdefghijklmnopqrstuvwxy z-tail', RUN_ID);
    expect(name).toBe(`abcdefghijklmnopqrstuvwxy-${RUN_ID}`);
    expect(name).toMatch(VALID_ACI_NAME);
  });

  it('yields a valid ACI name for any mix of characters', () => {
    for (const flowName of ['--x--', 'UPPER_case', 'a'.repeat(200), ' spaced  out ', '-', '9lives', 'ends-with-']) {
      const name = containerGroupNameFor(flowName, RUN_ID);
      expect(name).toMatch(VALID_ACI_NAME);
      expect(name.length).toBeLessThanOrEqual(63);
    }
  });

  it('lowercases the flow run id and turns its separators into hyphens', () => {
    expect(containerGroupNameFor('etl', 'Nightly_2024.05.01')).toBe('etl-nightly-2024-05-01');
  });

  it('rejects a flow run id with no letter or digit, naming the field', () => {
    expect(() => containerGroupNameFor('etl', '---')).toThrow(ConfigError);
    expect(() => containerGroupNameFor('etl', '---')).toThrow(/^flowRunId: "---" has no letter or digit/);
  });

  it('rejects a flow run id too long to fit in Azure names', () => {
    expect(() => containerGroupNameFor('etl', 'x'.repeat(51))).toThrow(/flowRunId: .* at most 50/);
  });

  it('is deterministic', () => {
    expect(containerGroupNameFor('My Flow', RUN_ID)).toBe(containerGroupNameFor('My Flow', RUN_ID));
  });
});

describe('deployment names', () => {
  it('prefixes the container group name', () => {
    expect(deploymentNameFor(`etl-${RUN_ID}`)).toBe(`aci-flow-etl-${RUN_ID}`);
  });

  it('shortens to 64 characters keeping the prefix and the run id for the longest group names', () => {
    const group = containerGroupNameFor('x'.repeat(100), RUN_ID);
    expect(group.length).toBe(63);
    const deployment = deploymentNameFor(group);
    expect(deployment.length).toBeLessThanOrEqual(64);
    expect(deployment.startsWith(DEPLOYMENT_NAME_PREFIX)).toBe(true);
    expect(deployment.endsWith(RUN_ID)).toBe(true);
  });

  it('does not leave a double hyphen after the prefix when the cut falls on a hyphen', () => {
    const group = `${'ab-'.repeat(9)}${RUN_ID}`;
    expect(group.length).toBe(63);
    // 55 characters fit after the prefix, and the last 55 of this group start with a hyphen.
    expect(group.slice(-55).startsWith('-')).toBe(true);
    const deployment = deploymentNameFor(group);
    expect(deployment.length).toBeLessThanOrEqual(64);
    expect(deployment).not.toContain('--');
    expect(deployment.endsWith(RUN_ID)).toBe(true);
  });

  it('keeps a 50-character run id whole', () => {
    const runId = 'r'.repeat(50);
    const deployment = deploymentNameFor(containerGroupNameFor('flow name', runId));
    expect(deployment.endsWith(runId)).toBe(true);
    expect(deployment.length).toBeLessThanOrEqual(64);
  });
});

describe('container names', () => {
  it('use the slug of the flow name', () => {
    expect(containerNameFor('ETL: Nightly')).toBe('etl-nightly');
  });

  it('fall back to "flow" and stay within 63 characters', () => {
    expect(containerNameFor('%%%')).toBe('flow');
    expect(containerNameFor('y'.repeat(80))).toHaveLength(63);
  });
});

describe('slugify', () => {
  it('returns an empty string when nothing usable is left', () => {
    expect(slugify('___')).toBe('');
  });
});
