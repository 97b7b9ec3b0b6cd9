import { mergeRunValues, parseSetFlags } from '../../../src/cli/runValues';
import { ConfigError } from '../../../src/config/errors';

describe('per-run values from --set flags', () => {
  it('parse YAML scalars and JSON collections, and keep other text as text', () => {
    expect(
      parseSetFlags([
        'cpu=2',
        'memory=1.5',
        'stream_output=true',
        'command=python -m etl',
        'name=key: value',
        'subnet_ids=["/a","/b"]',
        'env={"A":"1"}',
        'image=',
        'gpu_sku=V100',
        'entrypoint=null',
      ]),
    ).toEqual({
      cpu: 2,
      memory: 1.5,
      stream_output: true,
      command: 'python -m etl',
      name: 'key: value',
      subnet_ids: ['/a', '/b'],
      env: { A: '1' },
      image: null,
      gpu_sku: 'V100',
      entrypoint: null,
    });
  });

  it('keep unquoted text exactly as typed, and unquote a quoted value to force a string', () => {
    expect(parseSetFlags(['command=python etl.py # nightly', "env.PORT='8080'", 'env.MODE="on"'])).toEqual({
      command: 'python etl.py # nightly',
      env: { PORT: '8080', MODE: 'on' },
    });
  });

  it('nest dotted keys and keep everything after the first equals sign', () => {
    expect(parseSetFlags(['env.URL=http://x/?a=b', 'env.LEVEL=debug'])).toEqual({ env: { URL: 'http://x/?a=b', LEVEL: 'debug' } });
  });

  it('reject a flag without a key, naming it', () => {
    expect(() => parseSetFlags(['=3'])).toThrow(ConfigError);
    expect(() => parseSetFlags(['a..b=1'])).toThrow('--set a..b=1: "a..b" is not a valid key');
  });

  it('merge over a values file key by key', () => {
    expect(mergeRunValues({ cpu: 1, env: { A: '1', B: '2' } }, { env: { B: 'x' } })).toEqual({ cpu: 1, env: { A: '1', B: 'x' } });
  });
});
