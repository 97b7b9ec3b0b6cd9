import { tracingEndpointFromEnv } from '../../../src/workerHost/tracing';

describe('tracing is switched on by the standard OTEL_* variables', () => {
  it.each<[string, NodeJS.ProcessEnv, string | undefined]>([
    ['off with no OTEL variable', {}, undefined],
    ['on with OTEL_EXPORTER_OTLP_ENDPOINT, at its /v1/traces', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }, 'http://collector:4318/v1/traces'],
    [
      'on with OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, used as given',
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/custom' },
      'http://collector:4318/custom',
    ],
    [
      'the traces endpoint wins over the general one',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:4318/v1/traces' },
      'http://b:4318/v1/traces',
    ],
    ['on with OTEL_TRACES_EXPORTER=otlp alone, at the default collector', { OTEL_TRACES_EXPORTER: 'otlp' }, 'http://localhost:4318/v1/traces'],
    ['off with OTEL_TRACES_EXPORTER=none, whatever the endpoint', { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318' }, undefined],
    ['off with OTEL_SDK_DISABLED=true', { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318' }, undefined],
  ])('%s', (_what, env, endpoint) => {
    expect(tracingEndpointFromEnv(env)).toBe(endpoint);
  });
});
