import type { ProjectAccess, Routes } from '@hookline/http';
import type { FailureClock } from '../delivery/failure-clock';
import type { Requeuer } from '../operations/requeue';
import type { DeliveryModels } from '../store/models';

/** What the dispatcher's routes are given. */
export interface AppContext extends Routes {
  access: ProjectAccess;
  models: DeliveryModels;
  requeuer: Requeuer;
  failureClock: FailureClock;
  /** Where `GET /queues` reads queue depths. */
  settings: { RABBITMQ_URL: string; RABBITMQ_MANAGEMENT_URL?: string | undefined; HOOKLINE_NAMESPACE: string };
  /** A subscription's tenant, if it exists (the dispatcher's index): recovery of an unknown one is a 404. */
  subscriptionTenant(id: string): string | undefined;
}
