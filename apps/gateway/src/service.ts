import type { GatewaySettings } from '@hookline/config';
import type { ServiceHandle } from '@hookline/http';
import type { ServiceDeps } from '@hookline/runtime';
import { createGatewayModule, stationPuller } from './app';
import { GatewayUsers, parseSeedUsers } from './users';

/** Starts this app inside a process: used by its own main.ts and by `npm start`. */
export async function startGateway(deps: ServiceDeps<GatewaySettings>): Promise<ServiceHandle> {
  // Both throw one readable line (bad GATEWAY_USERS, missing production secrets) before any work.
  const seeds = parseSeedUsers(deps.config.GATEWAY_USERS);
  const puller = stationPuller(deps);
  const module = createGatewayModule(deps, puller);
  if (seeds.length > 0) {
    const { created, updated } = await new GatewayUsers(deps.db).seed(seeds);
    deps.logger.info({ users: seeds.length, created, updated }, 'gateway.users_seeded');
  }
  return { module, stop: async () => {}, drain: () => puller.stop() };
}
