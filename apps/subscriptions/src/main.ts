import { subscriptionsEnv } from '@hookline/config';
import { runStandalone } from '@hookline/runtime';
import { startSubscriptions } from './app';

void runStandalone({ name: 'subscriptions', envSchema: subscriptionsEnv, start: startSubscriptions });
