/** RabbitMQ could not take the message (down, reconnecting, or no confirm in time). Retry later. */
export class BrokerUnavailableError extends Error {
  override readonly name: string = 'BrokerUnavailableError';
  readonly code: string = 'broker_unavailable';
}

/**
 * No queue took a mandatory message (RabbitMQ returned it): a queue or binding is missing, deleted
 * by hand say. A kind of BrokerUnavailableError, so every caller treats it as "not published, try
 * again" (503, the message given back): the topology is declared again on reconnects.
 */
export class UnroutableMessageError extends BrokerUnavailableError {
  override readonly name = 'UnroutableMessageError';
  override readonly code = 'unroutable';
}
