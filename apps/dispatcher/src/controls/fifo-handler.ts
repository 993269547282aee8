import type { ConsumeMessage, Disposition } from '@hookline/broker';
import {
  type DeliveryTask,
  type EventEnvelope,
  readEventEnvelope,
  recordTenant,
  type SubscriptionRecord,
} from '@hookline/contracts';
import type { Logger } from '@hookline/http';
import { logAttempt } from '../delivery/attempt-log';
import type { SubscriptionControl } from '../delivery/deliver-handler';
import { deliveryId } from '../delivery/delivery-id';
import type { Deliverer } from '../delivery/http-deliverer';
import { decideOutcome } from '../policy/outcome';
import { attemptRecord, type DeliveryStore } from '../store/delivery-store';
import type { FifoHeads } from './fifo-heads';
import { fifoHeadDecision } from './ordering';
import type { Pacer } from './pacer';

/**
 * The longest the head is held unacked in one go. RabbitMQ closes a channel whose delivery stays
 * unacked past its consumer timeout (30 min by default); a longer wait requeues the head, which
 * comes straight back to the same consumer at the head of the queue, and the wait goes on from the
 * time kept in `fifo_heads`.
 */
const HOLD_MS = 60_000;
/** How long an event waits for this instance to hear of its subscription (see fifoHeadDecision). */
const UNKNOWN_WAIT_MS = 5000;
const POLL_MS = 250;

export interface FifoDeps {
  subscriptionId: string;
  lookup(id: string): SubscriptionRecord | undefined;
  /** Whether the subscription (tenant, event type...) takes this event, as the fan-out would decide. */
  matches(sub: SubscriptionRecord, event: EventEnvelope): boolean;
  deliverer: Deliverer;
  store: DeliveryStore;
  heads: FifoHeads;
  /** The subscription's pacer while it has a rate limit. */
  pacer(sub: SubscriptionRecord): Pacer | undefined;
  control: SubscriptionControl;
  scheduleMs: readonly number[];
  logger: Logger;
  /** Resolves after `ms`, or early with false when the consumer is stopping or lost its channel. */
  sleep(ms: number): Promise<boolean>;
  random?: () => number;
}

/**
 * A FIFO subscription's queue is consumed with prefetch 1 under single active consumer: one event
 * at a time, across every dispatcher. The head is retried IN PLACE (held unacked between attempts),
 * so nothing behind it moves until it is delivered or exhausted (then recorded failed, acked,
 * and the next one goes). A crash leaves the head unacked: RabbitMQ gives it, still first, to
 * another dispatcher, which repeats it with the same webhook-id at worst.
 */
export function fifoHandler(deps: FifoDeps): (msg: ConsumeMessage) => Promise<Disposition> {
  return async (msg) => {
    const envelope = readEventEnvelope(msg.content, msg.properties.appId);
    if (!envelope) return 'reject';
    const { station: _station, ...event } = envelope;
    const at = Date.parse(event.timestamp);
    const id = deliveryId(event.id, deps.subscriptionId);
    let pausedMarked = false;
    let task: DeliveryTask | undefined;
    for (let waited = 0; ; ) {
      const sub = deps.lookup(deps.subscriptionId);
      const decision = fifoHeadDecision(sub, at, sub ? deps.matches(sub, event) : false);
      if (decision === 'skip') return 'ack';
      if (decision === 'wait' && waited >= UNKNOWN_WAIT_MS) {
        if (!sub) return 'ack'; // deleted, or never existed here: nothing to deliver to
      } else if (decision === 'wait' || decision === 'paused') {
        task ??= newTask(id, event);
        if (decision === 'paused' && !pausedMarked) {
          // Kept in order, not failed: re-enabling the subscription lets the queue move again.
          await deps.store.setStatus(task, 'paused', 'the subscription is disabled');
          pausedMarked = true;
        }
        if (!(await deps.sleep(POLL_MS))) return 'requeue';
        waited += POLL_MS;
        if (decision === 'paused' && waited >= HOLD_MS) return 'requeue';
        continue;
      }
      task ??= newTask(id, event);
      break;
    }
    if (msg.fields.redelivered) {
      const head = await deps.heads.get(deps.subscriptionId);
      if (head?.deliveryId === id) {
        task.attempt = head.attempt + 1;
        const waitMs = head.nextAttemptAt.getTime() - Date.now();
        if (waitMs > 0 && !(await holdFor(waitMs))) return 'requeue';
      }
    }
    return attemptUntilSettled(task);
  };

  function newTask(id: string, event: EventEnvelope): DeliveryTask {
    const sub = deps.lookup(deps.subscriptionId);
    // The subscription's tenant, as the fan-out records it (a broadcast event names none).
    const tenant = sub ? recordTenant(sub) : event.tenant;
    return {
      id,
      eventId: event.id,
      subscriptionId: deps.subscriptionId,
      ...(tenant ? { tenant } : {}),
      attempt: 1,
      round: 0,
      parked: 0,
      event,
    };
  }

  /** Waits up to HOLD_MS of `ms`: false if the wait must continue after a requeue (or was cut short). */
  async function holdFor(ms: number): Promise<boolean> {
    if (ms > HOLD_MS) {
      await deps.sleep(HOLD_MS);
      return false;
    }
    return deps.sleep(ms);
  }

  async function attemptUntilSettled(task: DeliveryTask): Promise<Disposition> {
    for (;;) {
      const sub = deps.lookup(deps.subscriptionId);
      if (!sub) return 'ack';
      const pacer = deps.pacer(sub);
      if (pacer && !(await pacer.acquire())) return 'requeue';
      const now = new Date();
      const sent = await deps.deliverer.send(sub, task, now);
      const outcome = decideOutcome({
        result: sent,
        attempt: task.attempt,
        scheduleMs: deps.scheduleMs,
        now,
        random: deps.random ?? Math.random,
      });
      const nextAttemptAt = outcome.kind === 'retry' ? new Date(now.getTime() + outcome.delayMs) : null;
      const error = sent.error ?? (outcome.kind === 'failed' || outcome.kind === 'disable' ? outcome.reason : null);
      logAttempt(deps.logger, {
        deliveryId: task.id,
        subscriptionId: sub.id,
        attempt: task.attempt,
        status: sent.status,
        durationMs: sent.durationMs,
        outcome: outcome.kind,
        error,
        nextAttemptAt,
        fifo: true,
      });
      const status = outcome.kind === 'delivered' ? 'delivered' : outcome.kind === 'retry' ? 'pending' : 'failed';
      await deps.store.recordAttempt(attemptRecord(task, now, sent, { status, error, nextAttemptAt }));
      if (outcome.kind === 'disable') {
        await deps.control
          .disable(sub, outcome.reason)
          .catch((err) =>
            deps.logger.error({ err: (err as Error).message, subscriptionId: sub.id }, 'subscription.disable_failed'),
          );
      }
      if (outcome.kind !== 'retry' || !nextAttemptAt) return 'ack';
      // Durable before the wait: a dispatcher that takes over continues the schedule from here.
      await deps.heads.set(sub.id, { deliveryId: task.id, attempt: task.attempt, nextAttemptAt });
      task.attempt += 1;
      if (!(await holdFor(outcome.delayMs))) return 'requeue';
    }
  }
}
