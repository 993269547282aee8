import type { PhotoAppConfig } from '@hookline/config';
import type { ServiceHandle } from '@hookline/http';
import type { ServiceDeps } from '@hookline/runtime';
import { createPhotoAppModule } from './app';

/** The process-independent config of this app (the port and MongoDB URL belong to the process). */
export type PhotoAppSettings = Omit<PhotoAppConfig, 'PORT' | 'MONGO_URL'>;

/** Starts this app inside a process: used by its own main.ts and by `npm start`. */
export async function startPhotoApp(deps: ServiceDeps<PhotoAppSettings>): Promise<ServiceHandle> {
  const module = createPhotoAppModule(deps);
  return { module, stop: async () => {} };
}
