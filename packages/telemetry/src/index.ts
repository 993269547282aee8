export { startTelemetry, type TelemetryHandle, tracingEnabled } from './setup';
export {
  injectTrace,
  inSpan,
  receiverTraceHeaders,
  type SpanKindName,
  type SpanScope,
  traceMessages,
  traceRequests,
} from './spans';
