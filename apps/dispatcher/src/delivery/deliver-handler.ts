import {
  type Broker,
  type ConsumeMessage,
  type Disposition,
  PARK_MS,
  type TopologyNames,
  tierFor,
} from '@hookline/broker';
import { type DeliveryTask, deliveryTaskSchema, type SubscriptionRecord } from '@hookline/contracts';
import { counter, histogram, type Logger } from '@hookline/http';
import { decideOutcome, type Outcome } from '../policy/outcome';
import { attemptRecord, type DeliveryStore } from '../store/delivery-store';
import type { FailureClock } from './failure-clock';
import type { Deliverer, SentAttempt } from './http-deliverer';
import type { InFlightLimiter } from './in-flight';

export interface SubscriptionControl {
  /** Disables a subscription (410, receiver's request, auto-disable), with the reason recorded. */
  disable(sub: SubscriptionRecord, reason: string): Promise<void>;
}

export interface DeliverDeps {
  broker: Broker;
  names: TopologyNames;
  lookup(subscriptionId: string): SubscriptionRecord | undefined;
  store: DeliveryStore;
  deliverer: Deliverer;
  control: SubscriptionControl;
  scheduleMs: readonly number[];
  tiersMs: readonly number[];
  limiter: InFlightLimiter;
  failureClock?: FailureClock;
  logger: Logger;
  random?: () => number;
}

/**
 * The longest a slow receiver's parked delivery waits before it is offered again. Kept short so it
 * lands in the smallest retry tiers (10 s with the default schedule), whose other messages never
 * expire later than that: a parked delivery never waits behind a 5-minute retry.
 */
const MAX_PARK_MS = 8000;
/** A receiver whose oldest request in flight is this old is hanging, not just slow. */
const HANGING_AFTER_MS = 1000;

const attempts = counter('hookline_delivery_attempts_total', 'Delivery attempts by outcome', ['outcome']);
const durations = histogram(
  'hookline_delivery_duration_seconds',
  'Duration of delivery attempts',
  [],
  [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
);

function parseTask(msg: ConsumeMessage): DeliveryTask | undefined {
  try {
    const r = deliveryTaskSchema.safeParse(JSON.parse(msg.content.toString('utf8')));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One attempt of one delivery, then what `decideOutcome` says. A receiver's failure is an expected
 * outcome (recorded, retried via a delay queue, acked); only system faults (RabbitMQ refusing the
 * retry message) throw, which requeues the task so nothing is lost.
 */
export function deliverHandler(deps: DeliverDeps): (msg: ConsumeMessage) => Promise<Disposition> {
  const publishTo = (queue: string, task: DeliveryTask, expirationMs?: number) =>
    deps.broker.publish('', queue, Buffer.from(JSON.stringify(task)), {
      messageId: task.id,
      contentType: 'application/json',
      ...(expirationMs !== undefined ? { expiration: String(Math.max(0, Math.round(expirationMs))) } : {}),
    });

  return async (msg) => {
    const task = parseTask(msg);
    if (!task) {
      deps.logger.error({ messageId: msg.properties.messageId }, 'delivery.invalid_task');
      return 'reject';
    }
    const sub = deps.lookup(task.subscriptionId);
    if (!sub) {
      await deps.store.setStatus(task, 'failed', 'the subscription was deleted');
      return 'ack';
    }
    if (!sub.enabled) {
      // Kept, not failed: re-enabling the subscription resumes its paused deliveries.
      await deps.store.setStatus(task, 'paused', 'the subscription is disabled');
      return 'ack';
    }
    const slot = await deps.limiter.acquire(sub.id);
    if (slot === null) {
      // Over the subscription's in-flight limit while its receiver is slow: wait in the park
      // queue, not in a consumer slot that a healthy receiver's delivery could use. Not an attempt.
      await park(task);
      return 'ack';
    }
    await attemptOnce(task, sub, () => deps.limiter.release(sub.id, slot));
    return 'ack';
  };

  /**
   * Parks a delivery whose receiver is slow: 1 s in the park queue. For a receiver that is hanging,
   * twice as long each time in a row (up to MAX_PARK_MS, through the retry tiers), so its backlog is
   * looked at every few seconds instead of cycling through the dispatcher every second.
   */
  async function park(task: DeliveryTask): Promise<void> {
    // Backing off only for a receiver that is hanging: a merely slow one frees its slots within the
    // second, and a long park would leave them idle.
    const hanging = deps.limiter.oldestAgeMs(task.subscriptionId) >= HANGING_AFTER_MS;
    const delayMs = hanging ? Math.min(PARK_MS * 2 ** task.parked, MAX_PARK_MS) : PARK_MS;
    const next = { ...task, parked: task.parked + 1 };
    if (delayMs <= PARK_MS) await publishTo(deps.names.parkQueue, next);
    else await publishTo(deps.names.retryQueue(tierFor(delayMs, deps.tiersMs)), next, delayMs);
  }

  /** One HTTP attempt; `done` frees the subscription's slot as soon as the receiver has answered. */
  async function attemptOnce(task: DeliveryTask, sub: SubscriptionRecord, done: () => void): Promise<void> {
    const now = new Date();
    let sent: SentAttempt;
    try {
      sent = await deps.deliverer.send(sub, task, now);
      deps.limiter.recordDuration(sub.id, sent.durationMs);
    } finally {
      done();
    }
    let outcome: Outcome = decideOutcome({
      result: sent,
      attempt: task.attempt,
      scheduleMs: deps.scheduleMs,
      now,
      random: deps.random ?? Math.random,
    });
    outcome = await applyFailureClock(outcome, sub, now);

    let nextAttemptAt: Date | null = null;
    if (outcome.kind === 'retry') {
      const tier = tierFor(outcome.delayMs, deps.tiersMs);
      await publishTo(deps.names.retryQueue(tier), { ...task, attempt: task.attempt + 1, parked: 0 }, outcome.delayMs);
      nextAttemptAt = new Date(now.getTime() + outcome.delayMs);
    } else if (outcome.kind === 'failed' || outcome.kind === 'disable') {
      await publishTo(deps.names.deadQueue, task);
      if (outcome.kind === 'disable')
        await deps.control
          .disable(sub, outcome.reason)
          .catch((err) =>
            deps.logger.error({ err: (err as Error).message, subscriptionId: sub.id }, 'subscription.disable_failed'),
          );
    }

    const status = outcome.kind === 'delivered' ? 'delivered' : outcome.kind === 'retry' ? 'pending' : 'failed';
    const error = sent.error ?? (outcome.kind === 'failed' || outcome.kind === 'disable' ? outcome.reason : null);
    attempts.inc({ outcome: outcome.kind });
    durations.observe(sent.durationMs / 1000);
    deps.logger.info(
      {
        deliveryId: task.id,
        eventId: task.eventId,
        subscriptionId: sub.id,
        attempt: task.attempt,
        round: task.round,
        status: sent.status,
        durationMs: sent.durationMs,
        outcome: outcome.kind,
        error,
        nextAttemptAt,
      },
      'delivery.attempted',
    );
    try {
      await deps.store.recordAttempt(attemptRecord(task, now, sent, { status, error, nextAttemptAt }));
    } catch (err) {
      // The outcome already happened (a 2xx, or a retry message confirmed): requeueing now would
      // deliver twice. Ack, and say loudly that the log missed an attempt.
      deps.logger.error({ err: (err as Error).message, deliveryId: task.id }, 'delivery.attempt_not_recorded');
    }
  }

  /** Auto-disable: a failure that ends a streak longer than DISABLE_AFTER_HOURS disables the subscription. */
  async function applyFailureClock(outcome: Outcome, sub: SubscriptionRecord, now: Date): Promise<Outcome> {
    const clock = deps.failureClock;
    if (!clock) return outcome;
    try {
      if (outcome.kind === 'delivered') {
        await clock.succeeded(sub.id);
        return outcome;
      }
      if (outcome.kind === 'disable') return outcome;
      const since = await clock.failed(sub.id, now);
      if (!since) return outcome;
      await clock.reset(sub.id);
      // This delivery stays pending (paused once it comes back): re-enabling resumes it.
      const reason = `deliveries failed continuously since ${since.toISOString()}`;
      await deps.control.disable(sub, reason);
      deps.logger.warn({ subscriptionId: sub.id, reason }, 'subscription.auto_disabled');
      return outcome;
    } catch (err) {
      deps.logger.error({ err: (err as Error).message, subscriptionId: sub.id }, 'subscription.failure_clock_failed');
      return outcome;
    }
  }
}
