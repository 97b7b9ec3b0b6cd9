import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../src/config/errors';
import { loadValuesFile, mergeRunValues, parseSetFlags } from '../../../src/cli/runValues';

const dir = mkdtempSync(join(tmpdir(), 'aci-flow-values-'));

function polluted(): unknown {
  return ({} as Record<string, unknown>).polluted;
}

afterEach(() => {
  // If an attack ever succeeds, do not let it leak into the next test.
  delete (Object.prototype as Record<string, unknown>).polluted;
});

describe('run values cannot pollute object prototypes', () => {
  it.each([
    ['__proto__.polluted=1', '__proto__'],
    ['env.__proto__.polluted=1', '__proto__'],
    ['constructor.prototype.polluted=1', 'constructor'],
  ])('--set %s is refused, naming the key', (flag, key) => {
    const attempt = () => parseSetFlags([flag]);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(`the key "${key}" is not allowed`);
    expect(polluted()).toBeUndefined();
  });

  it('a --set value holding __proto__ cannot be merged over a values file', () => {
    const fromFile = { env: { A: 'a' } };
    const fromFlags = parseSetFlags(['env={"__proto__": {"polluted": 1}}']);
    expect(() => mergeRunValues(fromFile, fromFlags)).toThrow('__proto__: the key "__proto__" is not allowed');
    expect(() => mergeRunValues(JSON.parse('{"env": {}}'), JSON.parse('{"env": {"__proto__": {"polluted": 1}}}'))).toThrow(
      'the key "__proto__" is not allowed',
    );
    expect(polluted()).toBeUndefined();
  });

  it('a values file holding __proto__ is refused, naming the file and the key', async () => {
    const path = join(dir, 'values.json');
    writeFileSync(path, '{"env": {"__proto__": {"polluted": 1}}}');
    await expect(loadValuesFile(path)).rejects.toThrow(`${path}: the key "__proto__" is not allowed`);
    expect(polluted()).toBeUndefined();
  });

  it('ordinary dotted keys still nest', () => {
    expect(mergeRunValues({ env: { A: 'a' } }, parseSetFlags(['env.B=b', 'cpu=2']))).toEqual({ env: { A: 'a', B: 'b' }, cpu: 2 });
  });
});
