import { subscriptionsEnv } from '@hookline/config';
import { runStandalone } from '@hookline/runtime';
import { startSubscriptions } from './service';

void runStandalone({ name: 'subscriptions', envSchema: subscriptionsEnv, start: startSubscriptions });
