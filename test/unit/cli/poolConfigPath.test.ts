import { poolConfigPath } from '../../../src/cli/commandSupport';
import { CliError, ExitCodes } from '../../../src/cli/output';

describe('the work pool file of start and render', () => {
  it('is the --pool-config flag when given, even with ACI_FLOW_POOL_CONFIG set', () => {
    expect(poolConfigPath('flag.yaml', { ACI_FLOW_POOL_CONFIG: 'env.yaml' })).toBe('flag.yaml');
  });

  it('falls back to ACI_FLOW_POOL_CONFIG, so a scheduler sets it once', () => {
    expect(poolConfigPath(undefined, { ACI_FLOW_POOL_CONFIG: 'env.yaml' })).toBe('env.yaml');
  });

  it('is a usage error (exit 2) naming both ways when neither is given', () => {
    let thrown: unknown;
    try {
      poolConfigPath(undefined, {});
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(CliError);
    expect((thrown as CliError).exitCode).toBe(ExitCodes.usage);
    expect((thrown as CliError).message).toBe('--pool-config <file> is required (or set ACI_FLOW_POOL_CONFIG to the work pool file)');
  });
});
