export type { SubscriptionsSettings } from '@hookline/config';
export { createApp, createSubscriptionsModule, startSubscriptions } from './app';
