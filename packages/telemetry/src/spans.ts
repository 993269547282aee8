import { type Attributes, context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';
import { tracingEnabled, tracingReceivers } from './setup';

export type SpanKindName = 'server' | 'client' | 'producer' | 'consumer' | 'internal';

/** What traced code may do with its span: the same calls whether tracing is on or off. */
export interface SpanScope {
  setAttributes(attributes: Attributes): void;
  /** Marks the span failed without throwing (e.g. a delivery attempt answered 500). */
  fail(message: string): void;
}

const KINDS: Record<SpanKindName, SpanKind> = {
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
  internal: SpanKind.INTERNAL,
};

const NO_SPAN: SpanScope = { setAttributes: () => {}, fail: () => {} };

/** W3C trace context headers (`traceparent`, `tracestate`) in AMQP or HTTP headers. */
type Carrier = Record<string, unknown>;

const getter = {
  keys: (carrier: Carrier) => Object.keys(carrier),
  get: (carrier: Carrier, key: string) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : undefined;
  },
};

function tracer() {
  return trace.getTracer('hookline');
}

/**
 * Runs `work` inside a new span: the child of the trace carried in `parent` (an AMQP message's or
 * an HTTP request's headers) when given, else of the active span. The span ends when `work`
 * settles and records a thrown error. With tracing off, `work` simply runs.
 */
export function inSpan<T>(
  name: string,
  options: { kind?: SpanKindName; attributes?: Attributes; parent?: Carrier },
  work: (span: SpanScope) => Promise<T>,
): Promise<T> {
  if (!tracingEnabled()) return work(NO_SPAN);
  const parentContext = options.parent
    ? propagation.extract(context.active(), options.parent, getter)
    : context.active();
  return tracer().startActiveSpan(
    name,
    { kind: KINDS[options.kind ?? 'internal'], attributes: options.attributes },
    parentContext,
    async (span) => {
      const scope: SpanScope = {
        setAttributes: (attributes) => span.setAttributes(attributes),
        fail: (message) => span.setStatus({ code: SpanStatusCode.ERROR, message }),
      };
      try {
        return await work(scope);
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/**
 * Adds the active span's `traceparent` (and `tracestate`) to `headers` and returns them: how a trace
 * crosses RabbitMQ and, where enabled, reaches a receiver. Unchanged with tracing off.
 */
export function injectTrace<H extends Carrier>(headers: H): H {
  if (tracingEnabled()) propagation.inject(context.active(), headers);
  return headers;
}

/**
 * Express middleware: one SERVER span per request, continuing the caller's trace when it sent a
 * `traceparent`, named after the matched route once it is known (`GET /like/:id`).
 */
export function traceRequests() {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!tracingEnabled()) {
      next();
      return;
    }
    const parent = propagation.extract(context.active(), req.headers, getter);
    const span = tracer().startSpan(
      `${req.method} ${req.path}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method } },
      parent,
    );
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : undefined;
      if (route) span.updateName(`${req.method} ${route}`);
      span.setAttributes({ 'http.response.status_code': res.statusCode, ...(route ? { 'http.route': route } : {}) });
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}

/** Trace headers for a webhook request: the attempt's span, so a receiver that traces joins the trace. */
export function receiverTraceHeaders(): Record<string, string> {
  return tracingReceivers() ? injectTrace({}) : {};
}

/** A message consumer whose every message is handled in a CONSUMER span continuing the publisher's trace. */
export function traceMessages<M extends { properties: { headers?: Record<string, unknown> } }, R>(
  name: string,
  handler: (msg: M) => Promise<R>,
): (msg: M) => Promise<R> {
  return (msg) =>
    tracingEnabled()
      ? inSpan(name, { kind: 'consumer', parent: msg.properties.headers }, () => handler(msg))
      : handler(msg);
}
