export type { SubscriptionsSettings } from '@hookline/config';
export { createApp, createSubscriptionsModule, startSubscriptions } from './app';
export type { InProcessSnapshot } from './snapshot';
