import { ConfigError } from '../../../src/config/errors';
import { containerGroupNameFor, containerNameFor, DEPLOYMENT_NAME_PREFIX, deploymentNameFor, flowRunNames, slugify } from '../../../src/template/naming';

const RUN_ID = '3f2c0a4e-1b7d-4c8e-9f00-0123456789ab';
const VALID_ACI_NAME = /^[a-z0-9]([a-z0-9]|-(?!-))*[a-z0-9]$|^[a-z0-9]$/;
const HASHED = /-[0-9a-v]{16}$/;

/** What is wrong with the names of a pair, if anything; plain checks so thousands of pairs stay fast. */
function invalidNames(flowName: string, flowRunId: string): string[] {
  if (!slugify(flowRunId)) {
    // Refused by design (see below); the refusal is the only acceptable outcome.
    try {
      flowRunNames(flowName, flowRunId);
      return [`${JSON.stringify(flowRunId)} has no letter or digit but was named`];
    } catch (err) {
      return err instanceof ConfigError ? [] : [String(err)];
    }
  }
  const names = flowRunNames(flowName, flowRunId);
  const problems: string[] = [];
  for (const [kind, name, max] of [
    ['group', names.containerGroupName, 63],
    ['container', names.containerName, 63],
    ['deployment', names.deploymentName, 64],
  ] as const) {
    if (!VALID_ACI_NAME.test(name) || name.length > max) problems.push(`${kind} ${JSON.stringify(name)} of ${JSON.stringify([flowName, flowRunId])}`);
  }
  return problems;
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Few distinct characters, so slugs fold into each other often and the hash has work to do. */
const FOLDING = ['a', 'b', '1', '-', '_', '.', 'A', ' ', 'é', 'e\u0301', '日', '#', '\uD800', '😀'];

function text(next: () => number, alphabet: readonly string[], maxLength: number): string {
  const length = Math.floor(next() * (maxLength + 1));
  let out = '';
  for (let i = 0; i < length; i += 1) out += alphabet[Math.floor(next() * alphabet.length)];
  return out;
}

function uuid(next: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Pairs built to collide: random text, clean slugs split at every hyphen, UUIDs moved across the boundary, very long ids. */
function generatedPairs(): Array<[string, string]> {
  const next = random(20240501);
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < 6000; i += 1) pairs.push([text(next, FOLDING, 8), text(next, FOLDING, 8)]);
  for (let i = 0; i < 1500; i += 1) {
    const slug = text(next, ['a', 'b', '-', '-', '1'], 14).replace(/-+/g, '-').replace(/^-|-$/g, '');
    const id = uuid(next);
    pairs.push(...hyphenSplits(`${slug}-${id}`));
    pairs.push([slug, id], [slug, id.toUpperCase()], [`${slug}-${id.slice(0, 8)}`, id.slice(9)]);
  }
  for (let i = 0; i < 300; i += 1) {
    const long = text(next, ['x', 'y', '-'], 400);
    pairs.push([long, long], [`${long}z`, long], [long, `${long}z`], ['etl', `${long}${i}`]);
  }
  for (let i = 0; i < 300; i += 1) pairs.push([text(next, ['a', '-', 'q'], 20), `run-${text(next, ['0', '1', 'v', '-'], 18)}`]);
  // An attacker who knows another run's name offers it back as input, split at each hyphen.
  for (const [flowName, flowRunId] of pairs.slice(0, 3000)) {
    if (slugify(flowRunId)) pairs.push(...hyphenSplits(containerGroupNameFor(flowName, flowRunId)));
  }
  for (let i = 0; i < 1000; i += 1) pairs.push(...hyphenSplits(`${text(next, ['a', 'b', '1'], 4)}-${text(next, ['a', '-', '2'], 10)}`));
  return pairs;
}

function hyphenSplits(name: string): Array<[string, string]> {
  const splits: Array<[string, string]> = [];
  for (let at = name.indexOf('-'); at >= 0; at = name.indexOf('-', at + 1)) splits.push([name.slice(0, at), name.slice(at + 1)]);
  return splits;
}

describe('container group names', () => {
  it('are the flow name and a UUID run id, joined, when both are already slugs', () => {
    expect(containerGroupNameFor('etl', RUN_ID)).toBe(`etl-${RUN_ID}`);
    expect(containerGroupNameFor('etl-nightly', RUN_ID)).toBe(`etl-nightly-${RUN_ID}`);
    expect(containerGroupNameFor('etl', 'nightly-2024-05-01')).toBe('etl-nightly-2024-05-01');
  });

  it('give distinct run ids that slug alike distinct groups (Run_1, run-1, run.1)', () => {
    const names = ['Run_1', 'run-1', 'run.1', 'RUN-1', 'run--1'].map((id) => containerGroupNameFor('etl', id));
    expect(new Set(names).size).toBe(5);
    expect(names[1]).toBe('etl-run-1');
    for (const name of names.slice(2)) expect(name).toMatch(/^etl-run-1-[0-9a-v]{16}$/);
  });

  it('do not fold the flow/run boundary (etl + x-1 against etl-x + 1)', () => {
    expect(containerGroupNameFor('etl', 'x-1')).toBe('etl-x-1');
    expect(containerGroupNameFor('etl-x', '1')).toMatch(/^etl-x-1-[0-9a-v]{16}$/);
    expect(containerGroupNameFor('etl', `x-${RUN_ID}`)).not.toBe(containerGroupNameFor('etl-x', RUN_ID));
  });

  it('add a hash of the exact pair when the flow name is not a slug, keeping readable slugs in front', () => {
    const name = containerGroupNameFor('ETL: Nightly Load', RUN_ID);
    expect(name).toMatch(/^etl-nightly-3f2c0a4e-1b7d-4c8e-9f00-01-[0-9a-v]{16}$/);
    expect(name).toHaveLength(55);
    expect(containerGroupNameFor('etl: nightly load', RUN_ID)).not.toBe(name);
  });

  it('keep the same hash across releases: a changed hash would orphan running groups', () => {
    expect(containerGroupNameFor('etl', 'Run_1')).toBe('etl-run-1-glki7cn9t9egmdgk');
    expect(containerGroupNameFor('ETL: Nightly Load', RUN_ID)).toBe('etl-nightly-3f2c0a4e-1b7d-4c8e-9f00-01-7k046r0haopdattp');
  });

  it('never leave a plain name that looks like a hashed one', () => {
    expect(containerGroupNameFor('etl', 'run-abcdefghijklmnop')).toMatch(/^etl-run-abcdefghijklmnop-[0-9a-v]{16}$/);
  });

  it('fall back to "flow" for a flow name made only of symbols or of non-Latin letters', () => {
    expect(containerGroupNameFor('!!! ### ***', RUN_ID)).toMatch(/^flow-3f2c0a4e-[0-9a-f-]+-[0-9a-v]{16}$/);
    expect(containerGroupNameFor('', RUN_ID).startsWith('flow-3f2c')).toBe(true);
    expect(containerGroupNameFor('日本語のフロー', RUN_ID)).not.toBe(containerGroupNameFor('中文流程', RUN_ID));
  });

  it('refuse a run id with no letter or digit, naming the field', () => {
    expect(() => containerGroupNameFor('etl', '---')).toThrow(ConfigError);
    expect(() => containerGroupNameFor('etl', '日本')).toThrow(/^flowRunId: "日本" has no letter or digit/);
  });

  it('stay within 55 characters for very long flow names and run ids, keeping the start of each', () => {
    const name = containerGroupNameFor('a-very-long-flow-name-'.repeat(20), `nightly-${'x'.repeat(500)}`);
    expect(name).toMatch(/^a-very-long-nightly-x+-[0-9a-v]{16}$/);
    expect(name.length).toBeLessThanOrEqual(55);
  });

  it('are valid ACI names for any mix of characters', () => {
    for (const flowName of ['--x--', 'UPPER_case', 'a'.repeat(200), ' spaced  out ', '-', '9lives', 'ends-with-', '\uD800', '😀']) {
      for (const flowRunId of [RUN_ID, 'r', '-x-', 'Ünïcode ID', 'z'.repeat(1000), '\u00001', '1'.repeat(54)]) {
        expect(invalidNames(flowName, flowRunId)).toEqual([]);
      }
    }
  });

  it('are valid and injective over many generated (flow name, run id) pairs', () => {
    const owners = new Map<string, string>();
    const problems: string[] = [];
    const pairs = generatedPairs();
    let hashed = 0;
    for (const [flowName, flowRunId] of pairs) {
      problems.push(...invalidNames(flowName, flowRunId));
      if (!slugify(flowRunId)) continue;
      const { containerGroupName, deploymentName } = flowRunNames(flowName, flowRunId);
      if (HASHED.test(containerGroupName)) hashed += 1;
      const pair = JSON.stringify([flowName, flowRunId]);
      for (const name of [`group:${containerGroupName}`, `deployment:${deploymentName}`]) {
        const owner = owners.get(name);
        if (owner !== undefined && owner !== pair) problems.push(`${name} is shared by ${owner} and ${pair}`);
        owners.set(name, pair);
      }
    }
    expect(problems.slice(0, 5)).toEqual([]);
    // Both kinds of names were exercised, and most pairs were distinct.
    expect(hashed).toBeGreaterThan(1000);
    expect(pairs.length - hashed).toBeGreaterThan(1000);
    expect(owners.size).toBeGreaterThan(20_000);
  });

  it('are deterministic', () => {
    expect(flowRunNames('My Flow', RUN_ID)).toEqual(flowRunNames('My Flow', RUN_ID));
  });
});

describe('deployment names', () => {
  it('are the prefix and the whole container group name, at most 64 characters', () => {
    expect(deploymentNameFor(`etl-${RUN_ID}`)).toBe(`aci-flow-etl-${RUN_ID}`);
    const longest = flowRunNames('x'.repeat(100), RUN_ID);
    expect(longest.containerGroupName).toHaveLength(55);
    expect(longest.deploymentName).toBe(`${DEPLOYMENT_NAME_PREFIX}${longest.containerGroupName}`);
    expect(longest.deploymentName).toHaveLength(64);
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
  it('turns accents into plain letters and collapses runs of symbols into one hyphen', () => {
    expect(slugify('Café -- ünïcode__flow!!')).toBe('cafe-unicode-flow');
  });

  it('returns an empty string when nothing usable is left', () => {
    expect(slugify('___')).toBe('');
  });
});
