import { type Broker, type TopologyNames, tierFor } from '@hookline/broker';
import { type DeliveryTask, deliveryTaskMessage, type SubscriptionRecord } from '@hookline/contracts';
import { counter, histogram, type Logger } from '@hookline/http';
import { inSpan, type SpanScope } from '@hookline/telemetry';
import { decideOutcome, type Outcome } from '../policy/outcome';
import { parkPlace } from '../policy/park';
import { attemptRecord, type DeliveryStore } from '../store/delivery-store';
import { logAttempt } from './attempt-log';
import type { ConcurrencyBudget } from './budget';
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
  /** A subscription `lookup` lacks, from a fresh snapshot; undefined when deleted (see IndexSync). */
  lookupUnknown?(subscriptionId: string): Promise<SubscriptionRecord | undefined>;
  store: DeliveryStore;
  deliverer: Deliverer;
  control: SubscriptionControl;
  scheduleMs: readonly number[];
  tiersMs: readonly number[];
  limiter: InFlightLimiter;
  /** The instance's HTTP requests in flight, all consumers together; unbounded when absent (unit tests). */
  budget?: ConcurrencyBudget;
  failureClock?: FailureClock;
  logger: Logger;
  random?: () => number;
}

/**
 * What to do with a delivery now. The seam for anything that holds deliveries back (in-flight
 * limits today; rate limits and FIFO ordering plug in here): `attempt` carries the release of
 * whatever was taken, `park` sends the delivery to wait in RabbitMQ without holding a consumer slot.
 */
export type Admission = { kind: 'attempt'; release: () => void } | { kind: 'park' };

const attempts = counter('hookline_delivery_attempts_total', 'Delivery attempts by outcome', ['outcome']);
const durations = histogram(
  'hookline_delivery_duration_seconds',
  'Duration of delivery attempts',
  [],
  [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
);

/**
 * The delivery loop, shared by the fan-out consumer (first attempts, in-process: one queue hop) and
 * the deliver consumer (retries, parked deliveries, replays, wide fan-outs). `settle` takes one
 * delivery to a settled state: attempted and recorded (failed, when its attempts are exhausted), or
 * handed to a confirmed retry or park message. A receiver's failure is an expected outcome; only
 * system faults (RabbitMQ refusing a message, MongoDB down) reject, and the caller leaves its message
 * unacked.
 */
export class DeliveryLoop {
  constructor(readonly deps: DeliverDeps) {}

  async settle(task: DeliveryTask, known?: SubscriptionRecord): Promise<void> {
    const deps = this.deps;
    const sub = known ?? deps.lookup(task.subscriptionId) ?? (await deps.lookupUnknown?.(task.subscriptionId));
    if (!sub) {
      await deps.store.setStatus(task, 'failed', 'the subscription was deleted');
      return;
    }
    if (!sub.enabled) {
      // Kept, not failed: re-enabling the subscription resumes its paused deliveries.
      await deps.store.setStatus(task, 'paused', 'the subscription is disabled');
      return;
    }
    const admission = await this.admit(sub);
    if (admission.kind === 'park') {
      // Over the subscription's in-flight limit while its receiver is slow: wait in the park
      // queue, not in a consumer slot that a healthy receiver's delivery could use. Not an attempt.
      await this.park(task);
      // A first attempt parked straight from the fan-out has no record yet: pending, visible.
      if (task.attempt === 1 && task.parked === 0) await deps.store.recordCreated(task);
      return;
    }
    const attributes = {
      'hookline.delivery_id': task.id,
      'hookline.subscription_id': sub.id,
      'hookline.attempt': task.attempt,
    };
    await inSpan('webhook attempt', { kind: 'client', attributes }, (span) =>
      this.attemptOnce(task, sub, admission.release, span),
    );
  }

  /** Decides whether a delivery is attempted now (after waiting, if need be) or parked. */
  async admit(sub: SubscriptionRecord): Promise<Admission> {
    const { limiter, budget } = this.deps;
    const slot = await limiter.acquire(sub.id);
    if (slot === null) return { kind: 'park' };
    // The instance-wide budget is taken after the subscription's slot, so a slow receiver's
    // deliveries are parked without waiting behind everybody else's.
    if (budget) await budget.take();
    let released = false;
    return {
      kind: 'attempt',
      release: () => {
        if (released) return;
        released = true;
        limiter.release(sub.id, slot);
        budget?.release();
      },
    };
  }

  private publishTo(queue: string, task: DeliveryTask, expirationMs?: number): Promise<void> {
    const { content, properties } = deliveryTaskMessage(task);
    return this.deps.broker.publish('', queue, content, {
      ...properties,
      ...(expirationMs !== undefined ? { expiration: String(Math.max(0, Math.round(expirationMs))) } : {}),
    });
  }

  /** Parks a delivery whose receiver is slow or hanging: see parkPlace for how long it waits. */
  private async park(task: DeliveryTask): Promise<void> {
    const deps = this.deps;
    const place = parkPlace(task.parked, deps.limiter.oldestAgeMs(task.subscriptionId));
    const next = { ...task, parked: task.parked + 1 };
    if (place.queue === 'park') await this.publishTo(deps.names.parkQueue, next);
    else await this.publishTo(deps.names.retryQueue(tierFor(place.delayMs, deps.tiersMs)), next, place.delayMs);
  }

  /** One HTTP attempt; `done` frees the subscription's slot as soon as the receiver has answered. */
  private async attemptOnce(
    task: DeliveryTask,
    sub: SubscriptionRecord,
    done: () => void,
    span: SpanScope,
  ): Promise<void> {
    const deps = this.deps;
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
    outcome = await this.applyFailureClock(outcome, sub, now);

    let nextAttemptAt: Date | null = null;
    if (outcome.kind === 'retry') {
      const tier = tierFor(outcome.delayMs, deps.tiersMs);
      await this.publishTo(
        deps.names.retryQueue(tier),
        { ...task, attempt: task.attempt + 1, parked: 0 },
        outcome.delayMs,
      );
      nextAttemptAt = new Date(now.getTime() + outcome.delayMs);
    } else if (outcome.kind === 'disable') {
      // An exhausted or refused delivery's dead letter is its record, marked failed below (listed,
      // replayable, aged out with the rest): no copy goes to the dead queue, which nothing drains.
      await deps.control
        .disable(sub, outcome.reason)
        .catch((err) =>
          deps.logger.error({ err: (err as Error).message, subscriptionId: sub.id }, 'subscription.disable_failed'),
        );
    }

    const status = outcome.kind === 'delivered' ? 'delivered' : outcome.kind === 'retry' ? 'pending' : 'failed';
    const error = sent.error ?? (outcome.kind === 'failed' || outcome.kind === 'disable' ? outcome.reason : null);
    span.setAttributes({ 'http.response.status_code': sent.status ?? 0, 'hookline.outcome': outcome.kind });
    if (outcome.kind !== 'delivered') span.fail(error ?? outcome.kind);
    attempts.inc({ outcome: outcome.kind });
    durations.observe(sent.durationMs / 1000);
    logAttempt(deps.logger, {
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
    });
    // The ack waits for this write (batched), the receiver did not: the record is durable before the
    // message is settled, and a crash before that repeats the attempt with the same webhook-id.
    await deps.store.recordAttempt(attemptRecord(task, now, sent, { status, error, nextAttemptAt }));
  }

  /** Auto-disable: a failure that ends a streak longer than DISABLE_AFTER_HOURS disables the subscription. */
  private async applyFailureClock(outcome: Outcome, sub: SubscriptionRecord, now: Date): Promise<Outcome> {
    const deps = this.deps;
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
