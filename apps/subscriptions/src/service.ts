import type { SubscriptionsConfig } from '@hookline/config';
import type { ServiceHandle } from '@hookline/http';
import type { ServiceDeps } from '@hookline/runtime';
import { createSubscriptionsModule } from './app';

/** The process-independent config of this app (the port and MongoDB URL belong to the process). */
export type SubscriptionsSettings = Omit<SubscriptionsConfig, 'PORT' | 'MONGO_URL'>;

/** Starts this app inside a process: used by its own main.ts and by `npm start`. */
export async function startSubscriptions(deps: ServiceDeps<SubscriptionsSettings>): Promise<ServiceHandle> {
  const module = createSubscriptionsModule(deps);
  return { module, stop: async () => {} };
}
