/**
 * OpenTelemetry tracing of workflows and activities, off by default and switched on by the
 * standard OTEL_* variables (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/).
 * Spans go over OTLP/HTTP to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT;
 * service.name is OTEL_SERVICE_NAME (default aci-flow-worker), plus OTEL_RESOURCE_ATTRIBUTES.
 */
import { detectResourcesSync, envDetectorSync, Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';

export const DEFAULT_SERVICE_NAME = 'aci-flow-worker';

export interface WorkerTracing {
  plugin: OpenTelemetryPlugin;
  /** Where spans go, for the start-up log line. */
  endpoint: string;
  /** Flushes the spans not yet sent; call before the process exits. */
  shutdown(): Promise<void>;
}

/**
 * On when an OTLP endpoint is set or OTEL_TRACES_EXPORTER names otlp; off when
 * OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER names only other exporters (such as none).
 */
export function tracingEndpointFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  if (exporters.length > 0 && !exporters.includes('otlp')) return undefined;
  const tracesEndpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (tracesEndpoint) return tracesEndpoint;
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (endpoint) return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
  // OTEL_TRACES_EXPORTER=otlp alone means the specification's default collector address.
  return exporters.includes('otlp') ? 'http://localhost:4318/v1/traces' : undefined;
}

export function tracingFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerTracing | undefined {
  const endpoint = tracingEndpointFromEnv(env);
  if (!endpoint) return undefined;
  const resource = Resource.default()
    .merge(new Resource({ 'service.name': env.OTEL_SERVICE_NAME?.trim() || DEFAULT_SERVICE_NAME }))
    .merge(detectResourcesSync({ detectors: [envDetectorSync] }));
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: endpoint }));
  // Registered globally, so the activity interceptor's default tracer records into it.
  const provider = new BasicTracerProvider({ resource });
  provider.addSpanProcessor(spanProcessor);
  provider.register();
  return {
    plugin: new OpenTelemetryPlugin({ resource, spanProcessor }),
    endpoint,
    shutdown: () => provider.shutdown(),
  };
}
