/**
 * `node dist/worker.js` (what the image runs) refuses a bad configuration before it contacts
 * anything: exit 2 and a message naming the variable at fault, as `aci-flow worker` does.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../../src/localServices';

const ROOT = resolve(__dirname, '../../..');

async function runEntryPoint(env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(ACI_FLOW_|TEMPORAL_)/.test(key)));
  // Nothing listens there: a worker that got past its configuration would fail to connect (exit 1) instead.
  const base = { TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`, ACI_FLOW_POOL: 'entry-pool', ACI_FLOW_POOL_CONFIG: 'examples/pool.yaml' };
  return promisify(execFile)(process.execPath, [join(ROOT, 'dist', 'worker.js')], { cwd: ROOT, env: { ...clean, ...base, ...env } }).then(
    () => ({ code: 0, stderr: '' }),
    (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
  );
}

describe('the worker entry point refuses a bad configuration', () => {
  it.each([
    ['no pool', { ACI_FLOW_POOL: undefined }, 'aci-flow worker: ACI_FLOW_POOL: is required'],
    ['no pool file', { ACI_FLOW_POOL_CONFIG: '' }, 'aci-flow worker: ACI_FLOW_POOL_CONFIG: must not be empty'],
    ['a bad sweep interval', { ACI_FLOW_SWEEP_INTERVAL: 'soon' }, 'aci-flow worker: ACI_FLOW_SWEEP_INTERVAL: "soon" is not a duration'],
    ['a bad ARM budget', { ACI_FLOW_ARM_READS_PER_SECOND: 'many' }, 'ACI_FLOW_ARM_READS_PER_SECOND'],
  ])('%s: exit 2 naming the variable, no stack', async (_why, env, message) => {
    const result = await runEntryPoint(env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain('cannot connect to Temporal');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('gets past its configuration when it is good (then finds no Temporal: exit 1)', async () => {
    const result = await runEntryPoint({});
    expect(result).toEqual({ code: 1, stderr: expect.stringContaining('cannot connect to Temporal') as unknown });
  });
});
