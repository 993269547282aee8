export type { ConsumeMessage } from 'amqplib';
export {
  Broker,
  type BrokerLogger,
  type BrokerOptions,
  type ConsumeOptions,
  type Consumer,
  type Disposition,
  type MessageHandler,
} from './connection';
export { BrokerUnavailableError } from './errors';
export {
  bindFifoQueue,
  declareControlledQueue,
  declareStationQueue,
  declareTopology,
  eventBindingKey,
  PARK_MS,
  type QueueType,
  retryTiers,
  type TopologyNames,
  type TopologyOptions,
  tierFor,
  topologyNames,
} from './topology';
