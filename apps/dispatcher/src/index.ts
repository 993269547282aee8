export type { DispatcherSettings } from '@hookline/config';
export { createApp, createDispatcherModule, type DispatcherAppDeps } from './app';
// The one outgoing sender and the one list of refused address ranges: the subscription service's
// /ping and its URL check use these too.
export { type Deliverer, HttpDeliverer, type SentAttempt, USER_AGENT } from './delivery/http-deliverer';
export { ForbiddenTargetError, refusedAddressReason } from './delivery/ssrf';
export type { SubscriptionSource } from './matching/snapshot-source';
export { type InProcessSubscriptions, startDispatcher } from './service';
export { DispatcherWorker } from './worker';
