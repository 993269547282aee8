/**
 * A delivery names a subscription this instance does not know, and the snapshot that would say
 * whether it exists could not be read: the delivery goes back to RabbitMQ, it is not failed.
 */
export class SubscriptionUnknownError extends Error {
  override readonly name = 'SubscriptionUnknownError';
  readonly code = 'subscription_unknown';
}
