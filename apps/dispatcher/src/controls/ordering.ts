import type { SubscriptionRecord } from '@hookline/contracts';

type Ordering = Pick<SubscriptionRecord, 'ordering' | 'orderingSince'>;

/**
 * Which path delivers an event to a subscription: its FIFO queue or the fan-out. Pure.
 *
 * The subscription service binds a FIFO queue BEFORE it stores `ordering: "fifo"` with
 * `orderingSince` = that write's time + ORDERING_SWITCH_DELAY_MS, and unbinds only after a switch
 * back has taken effect. So an event stamped at or after `orderingSince` of a FIFO subscription is
 * in its queue, and one stamped before the switch back (while it was FIFO) is too. The delay lets
 * every dispatcher hear of the switch before it applies: this one function, applied on both sides,
 * then gives each event to exactly one of them.
 * (One step of history: events from before an earlier switch still waiting in the fan-out queue at
 * a second switch are the exception.)
 */
export function deliveredBy(sub: Ordering, eventTimeMs: number): 'fifo' | 'fanout' {
  const since = sub.orderingSince ?? undefined;
  if (sub.ordering === 'fifo') return since === undefined || eventTimeMs >= since ? 'fifo' : 'fanout';
  return since !== undefined && eventTimeMs < since ? 'fifo' : 'fanout';
}

/**
 * What the FIFO consumer does with the event at the head of a subscription's queue. Pure.
 * `wait`: this instance has not yet heard of the subscription, or only of a version that was never
 * FIFO (the change is still on its way): the event is in the FIFO queue, so ask again shortly.
 */
export function fifoHeadDecision(
  sub: (Ordering & { enabled: boolean }) | undefined,
  eventTimeMs: number,
  matches: boolean,
): 'deliver' | 'skip' | 'wait' | 'paused' {
  if (!sub) return 'wait';
  if (deliveredBy(sub, eventTimeMs) === 'fanout') {
    return sub.ordering !== 'fifo' && (sub.orderingSince ?? undefined) === undefined ? 'wait' : 'skip';
  }
  if (!matches) return 'skip';
  return sub.enabled ? 'deliver' : 'paused';
}
