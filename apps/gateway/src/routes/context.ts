import type { Logger, Routes } from '@hookline/http';
import type { StationPublisher } from '../station-publisher';
import type { StationPuller } from '../station-puller';
import type { StationSchemas } from '../station-schema-store';
import type { TokenService } from '../tokens';
import type { GatewayUsers } from '../users';
import type { GatewayAccess } from './access';

/** What every route group of the gateway is given. */
export interface AppContext extends Routes {
  access: GatewayAccess;
  users: GatewayUsers;
  tokens: TokenService;
  schemas: StationSchemas;
  publisher: StationPublisher;
  puller: StationPuller;
  logger: Logger;
  /** Each open pull holds a channel: one user holds at most this many at once (per instance). */
  maxLongPollsPerUser?: number;
  /** Whether a tenant exists: a produce naming an unknown one is refused. */
  tenantExists(tenant: string): Promise<boolean>;
}
