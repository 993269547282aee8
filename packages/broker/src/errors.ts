/** RabbitMQ could not take the message (down, reconnecting, or no confirm in time). Retry later. */
export class BrokerUnavailableError extends Error {
  override readonly name = 'BrokerUnavailableError';
  readonly code = 'broker_unavailable';
}

/** No queue took a mandatory message (RabbitMQ returned it): a missing queue or binding, not an outage. */
export class UnroutableMessageError extends Error {
  override readonly name = 'UnroutableMessageError';
  readonly code = 'unroutable';
}
