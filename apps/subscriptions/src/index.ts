export { createApp, createSubscriptionsModule } from './app';
export { type SubscriptionsSettings, startSubscriptions } from './service';
