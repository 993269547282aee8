import type { Deliverer } from '@hookline/dispatcher';
import type { EventCatalog } from '@hookline/event-catalog';
import type { Logger, ProjectAccess, Routes, TenantTokenVerifier } from '@hookline/http';
import type { ChangeFeed } from './changes';
import type { FifoQueues } from './fifo-queues';
import type { Schemas } from './schemas';
import type { SubscriptionStore } from './store';
import type { TenantStore } from './tenant-store';
import type { TestEventPublisher } from './test-events';

/** What every route module of this app works with. */
export interface AppContext extends Routes {
  access: ProjectAccess;
  store: SubscriptionStore;
  feed: ChangeFeed;
  fifoQueues: FifoQueues;
  schemas: Schemas;
  /** The event catalog (MongoDB `event_types`, plus the built-in types). */
  catalog: EventCatalog;
  logger: Logger;
  secretGraceHours: number;
  tenants: TenantStore;
  tenantTokens: TenantTokenVerifier;
  /** Where people reach Hookline: portal links start with it. */
  publicUrl: string;
  maxSubscriptionsPerTenant: number;
  publishTestEvent: TestEventPublisher;
  /** /ping's sender: the dispatcher's guarded one. */
  pingSender: Deliverer;
}
