export { uniqueMongoUrl } from './mongo';
export { type ExportedSpan, type OtlpCollector, startOtlpCollector } from './otlp-collector';
export { freePort, REPO_ROOT, spawnTs, stopProcess } from './processes';
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
export { nothingMoreHappensWithin, sleep, waitFor } from './wait';
