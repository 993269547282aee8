import type { DispatcherConfig } from '@hookline/config';
import type { ServiceHandle } from '@hookline/http';
import type { ServiceDeps } from '@hookline/runtime';
import { createDispatcherModule } from './app';

/** The process-independent config of this app (the port and MongoDB URL belong to the process). */
export type DispatcherSettings = Omit<DispatcherConfig, 'PORT' | 'MONGO_URL'>;

/** Starts this app inside a process: used by its own main.ts and by `npm start`. */
export async function startDispatcher(deps: ServiceDeps<DispatcherSettings>): Promise<ServiceHandle> {
  const module = createDispatcherModule(deps);
  return { module, stop: async () => {} };
}
