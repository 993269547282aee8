export { uniqueMongoUrl } from './mongo';
export { type ExportedSpan, type OtlpCollector, startOtlpCollector } from './otlp-collector';
export {
  closeConnections,
  deleteNamespace,
  deleteObjects,
  managementGet,
  namespaceObjects,
  queueDepth,
  RABBITMQ_URL,
  uniqueNamespace,
} from './rabbit';
export { type ReceivedRequest, type Receiver, type Responder, startReceiver } from './receiver';
export { waitFor } from './wait';
