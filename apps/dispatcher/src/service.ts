import type { DispatcherSettings } from '@hookline/config';
import type { ServiceHandle } from '@hookline/http';
import type { ServiceDeps } from '@hookline/runtime';
import { createDispatcherModule } from './app';
import { mongoFifoHeads } from './controls/fifo-heads';
import { FailureClock } from './delivery/failure-clock';
import { HttpDeliverer } from './delivery/http-deliverer';
import { httpSubscriptionSource, type SubscriptionSource } from './matching/snapshot-source';
import { httpSubscriptionControl, subscriptionControl } from './matching/subscription-control';
import { Requeuer } from './operations/requeue';
import { DeliveryStore } from './store/delivery-store';
import { deliveryModels, retentionSeconds } from './store/models';
import { applyRetention } from './store/retention';
import { DispatcherWorker } from './worker';

/** The subscription service's own functions, for a dispatcher in the same process (`npm start`). */
export interface InProcessSubscriptions {
  /** The snapshot, as `GET /subscription/snapshot` would stream it. */
  source: SubscriptionSource;
  /** As `PATCH /subscription/:id {"enabled": false, "disabledReason"}`; an unknown id is no error. */
  disable(subscriptionId: string, reason: string): Promise<void>;
}

/**
 * Starts the dispatcher inside a process: used by its own main.ts and by `npm start`. The worker
 * starts in the background (it waits for the subscription service's snapshot); the HTTP module
 * is available at once. The subscription service is reached over HTTP at SUBSCRIPTIONS_URL unless
 * `inProcess` gives its own functions (`npm start`: the same process, so no request to itself):
 * `source` for the snapshot, `disable` to disable a subscription.
 */
export async function startDispatcher(
  deps: ServiceDeps<DispatcherSettings>,
  inProcess?: InProcessSubscriptions,
): Promise<ServiceHandle & { worker: DispatcherWorker; requeuer: Requeuer }> {
  const { config } = deps;
  const models = deliveryModels(deps.db, config.DELIVERY_RETENTION_DAYS);
  const previous = await applyRetention(deps.db, retentionSeconds(config.DELIVERY_RETENTION_DAYS));
  if (previous !== undefined)
    deps.logger.info(
      { from: previous, to: retentionSeconds(config.DELIVERY_RETENTION_DAYS) },
      'dispatcher.retention_changed',
    );
  await models.Delivery.init();
  const store = new DeliveryStore(models);
  const apiKey = config.API_KEYS[0];
  // The topology the broker declares, derived once from the settings (createBroker).
  const topology = deps.broker.requireTopology();
  const requeuer = new Requeuer(deps.broker, topology.names, models);
  const failureClock = new FailureClock(deps.db, config.DISABLE_AFTER_HOURS * 3600_000);
  const worker = new DispatcherWorker({
    broker: deps.broker,
    topology,
    store,
    source: inProcess?.source ?? httpSubscriptionSource(config.SUBSCRIPTIONS_URL, apiKey),
    deliverer: new HttpDeliverer({
      timeoutMs: config.DELIVERY_TIMEOUT_MS,
      allowPrivateTargets: config.ALLOW_PRIVATE_TARGETS,
    }),
    control: (index) =>
      inProcess
        ? subscriptionControl(inProcess.disable, index)
        : httpSubscriptionControl(config.SUBSCRIPTIONS_URL, apiKey, index),
    concurrency: config.DELIVERY_CONCURRENCY,
    fanoutInlineMax: config.FANOUT_INLINE_MAX,
    resyncMs: config.SUBSCRIPTION_RESYNC_MS,
    maxInFlightPerSubscription: config.MAX_IN_FLIGHT_PER_SUBSCRIPTION,
    failureClock,
    requeuer,
    fifoHeads: mongoFifoHeads(deps.db),
    feedKeys: config.API_KEYS,
    logger: deps.logger,
  });
  void worker.start().catch((err) => deps.logger.error({ err }, 'dispatcher.start_failed'));
  const module = createDispatcherModule({ ...deps, models, worker, requeuer, failureClock });
  return { module, worker, requeuer, stop: () => worker.stop() };
}
