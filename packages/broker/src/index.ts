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
  declareStationQueue,
  declareTopology,
  type QueueType,
  retryTiers,
  tierFor,
  type TopologyNames,
  type TopologyOptions,
  topologyNames,
} from './topology';
