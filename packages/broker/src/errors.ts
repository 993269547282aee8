/** RabbitMQ could not take the message (down, reconnecting, or no confirm in time). Retry later. */
export class BrokerUnavailableError extends Error {
  override readonly name = 'BrokerUnavailableError';
  readonly code = 'broker_unavailable';
}
