import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface TelemetryHandle {
  /** Flushes the spans still buffered, then stops exporting. */
  shutdown(): Promise<void>;
}

let provider: BasicTracerProvider | undefined;
let toReceivers = false;

/**
 * Whether spans are recorded at all. Every helper checks this first, so with no collector configured
 * a traced code path costs one boolean test and nothing from the OpenTelemetry SDK runs.
 */
export function tracingEnabled(): boolean {
  return provider !== undefined;
}

/** Whether deliveries carry `traceparent` to receivers: on with tracing, off with OTEL_PROPAGATE_TO_RECEIVERS=false. */
export function tracingReceivers(): boolean {
  return provider !== undefined && toReceivers;
}

/**
 * Exports traces by OTLP over HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or the traces-only
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set; does nothing otherwise. One provider per process:
 * under `npm start` every app shares it, so the first caller's name is the service name unless
 * `OTEL_SERVICE_NAME` says otherwise. The exporter reads the standard OTEL_* variables itself
 * (headers, timeout).
 */
export function startTelemetry(serviceName: string, env: NodeJS.ProcessEnv = process.env): TelemetryHandle {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || provider) return { shutdown: async () => {} };
  const url = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? `${endpoint.replace(/\/+$/, '')}/v1/traces`;
  const started = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  });
  trace.setGlobalTracerProvider(started);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  provider = started;
  toReceivers = env.OTEL_PROPAGATE_TO_RECEIVERS !== 'false';
  return {
    shutdown: async () => {
      if (provider !== started) return;
      provider = undefined;
      await started.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
