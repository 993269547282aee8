export type { ConsumeMessage } from 'amqplib';
export { Broker, type BrokerOptions } from './broker';
export type { BrokerLogger } from './connection';
export type { ConsumeOptions, Consumer, Disposition, MessageHandler } from './consumers';
export { BrokerUnavailableError, UnroutableMessageError } from './errors';
export {
  bindFifoQueue,
  declareControlledQueue,
  declareStationQueue,
  declareTopology,
  eventBindingKey,
  PARK_MS,
  type QueueType,
  retryTiers,
  type Topology,
  type TopologyNames,
  type TopologyOptions,
  tierFor,
  topologyFor,
  topologyNames,
} from './topology';
