import type { PhotoAppSettings } from '@hookline/config';
import type { ServiceHandle } from '@hookline/http';
import type { ServiceDeps } from '@hookline/runtime';
import { createPhotoAppModule } from './app';
import { photoModels } from './models';
import { startOutboxRelay } from './outbox/outbox';
import { createEventPublisher } from './publisher';

/** Starts this app inside a process: used by its own main.ts and by `npm start`. */
export async function startPhotoApp(deps: ServiceDeps<PhotoAppSettings>): Promise<ServiceHandle> {
  const module = createPhotoAppModule(deps);
  const { outboxes } = photoModels(deps.db);
  const relay = startOutboxRelay({
    stores: [outboxes.users, outboxes.messages],
    publisher: createEventPublisher(deps.broker, deps.broker.requireTopology().names),
    logger: deps.logger,
    afterMs: deps.config.OUTBOX_RELAY_AFTER_MS,
    intervalMs: Math.min(1000, deps.config.OUTBOX_RELAY_AFTER_MS),
  });
  return { module, stop: () => relay.stop() };
}
