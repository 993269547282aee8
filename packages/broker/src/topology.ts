import type { Channel } from 'amqplib';

/**
 * The whole RabbitMQ topology, in one place. Apps and tests both call `declareTopology`.
 *
 * DO NOT rename these exchanges or queues without a migration plan: durable queues under the old
 * names keep their messages, and nothing would consume them any more.
 *
 * ```
 * <ns>.events (topic, key = event type) ──> <ns>.fanout ──> dispatcher fan-out
 * <ns>.deliveries (direct, key "deliver") ──> <ns>.deliver ──> dispatcher delivery
 * <ns>.retry.<ms> (TTL = ms) ──dead-letters──> <ns>.deliveries
 * <ns>.dead: poison messages (rejected as unprocessable, or handed out too often by a quorum queue);
 *   an exhausted delivery is not copied here: its record in MongoDB, marked failed, is its dead letter
 * <ns>.subscriptions (fanout) ──> one exclusive queue per dispatcher instance
 * <ns>.station.<station>.<group> bound to <ns>.events with key station.<station>: pull consumers
 * <ns>.fifo.<subscriptionId> bound to <ns>.events by the subscription's event types: a FIFO
 *     subscription's events, in the order RabbitMQ routed them (single active consumer)
 * <ns>.limited.<subscriptionId>: a rate-limited subscription's deliveries (single active consumer)
 * ```
 */
export interface TopologyNames {
  eventsExchange: string;
  deliveriesExchange: string;
  subscriptionsExchange: string;
  fanoutQueue: string;
  deliverQueue: string;
  deadQueue: string;
  /** Deliveries over their subscription's in-flight limit wait here (1 s) instead of in a consumer slot. */
  parkQueue: string;
  deliverRoutingKey: string;
  retryQueue(delayMs: number): string;
  stationQueue(station: string, group: string): string;
  /** A FIFO subscription's events (see declareControlledQueue). */
  fifoQueue(subscriptionId: string): string;
  /** A rate-limited subscription's deliveries (see declareControlledQueue). */
  limitedQueue(subscriptionId: string): string;
}

export function topologyNames(namespace = 'hookline'): TopologyNames {
  return {
    eventsExchange: `${namespace}.events`,
    deliveriesExchange: `${namespace}.deliveries`,
    subscriptionsExchange: `${namespace}.subscriptions`,
    fanoutQueue: `${namespace}.fanout`,
    deliverQueue: `${namespace}.deliver`,
    deadQueue: `${namespace}.dead`,
    parkQueue: `${namespace}.park`,
    deliverRoutingKey: 'deliver',
    retryQueue: (delayMs) => `${namespace}.retry.${delayMs}`,
    stationQueue: (station, group) => `${namespace}.station.${station}.${group}`,
    fifoQueue: (subscriptionId) => `${namespace}.fifo.${subscriptionId}`,
    limitedQueue: (subscriptionId) => `${namespace}.limited.${subscriptionId}`,
  };
}

export type QueueType = 'classic' | 'quorum';

/** How long a parked delivery waits before it is offered to a dispatcher again. */
export const PARK_MS = 1000;

export interface TopologyOptions {
  namespace?: string;
  /** Retry tiers to declare (ms), from retryTiers(). Each becomes `<ns>.retry.<ms>`. */
  retryTiersMs?: readonly number[];
  /** `quorum` for a RabbitMQ cluster; `classic` (default) on one node. */
  queueType?: QueueType;
}

/**
 * How many times a quorum queue hands out one message before dead-lettering it. RabbitMQ counts
 * every return (a consumer's requeue, a closed channel, a dispatcher restarting), and 4.x puts a
 * default of 20 on every quorum queue. A MongoDB outage must never move events to the dead queue:
 * the dispatcher holds its messages while its writes retry, but each stop or restart during the
 * outage gives them back. Poison messages do not need this limit (the handlers reject them, which
 * dead-letters at once), so it is set out of reach of any outage.
 */
export const QUORUM_DELIVERY_LIMIT = 1_000_000;

/** The arguments every Hookline queue of this type gets (see README: what each queue type guarantees). */
function queueArguments(queueType: QueueType, deadLetters: boolean): Record<string, unknown> {
  if (queueType === 'classic') return { 'x-queue-type': 'classic' };
  return {
    'x-queue-type': 'quorum',
    'x-delivery-limit': QUORUM_DELIVERY_LIMIT,
    // At-least-once dead-lettering: a dead-lettered message (a retry tier's expired delay, a
    // rejected task) leaves its queue only once its target queue has confirmed it, so a node
    // failing mid-way (or a target not bound yet) loses nothing. RabbitMQ requires reject-publish
    // with it: a full queue refuses publishes (a nack) rather than dropping its oldest message.
    ...(deadLetters ? { 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' } : {}),
  };
}

export async function declareTopology(ch: Channel, options: TopologyOptions = {}): Promise<TopologyNames> {
  const names = topologyNames(options.namespace);
  const queueType = options.queueType ?? 'classic';
  const durable = { durable: true, arguments: queueArguments(queueType, false) };
  // A message a consumer rejects as unprocessable (nack without requeue) lands in the dead queue
  // instead of vanishing: nothing is dropped silently.
  const deadLettered = {
    durable: true,
    arguments: {
      ...queueArguments(queueType, true),
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': names.deadQueue,
    },
  };

  await ch.assertExchange(names.eventsExchange, 'topic', { durable: true });
  await ch.assertExchange(names.deliveriesExchange, 'direct', { durable: true });
  await ch.assertExchange(names.subscriptionsExchange, 'fanout', { durable: true });

  await ch.assertQueue(names.deadQueue, durable);
  // Declared by publishers too, so an event published before any dispatcher ever ran is kept.
  await ch.assertQueue(names.fanoutQueue, deadLettered);
  await ch.bindQueue(names.fanoutQueue, names.eventsExchange, '#');
  await ch.assertQueue(names.deliverQueue, deadLettered);
  await ch.bindQueue(names.deliverQueue, names.deliveriesExchange, names.deliverRoutingKey);

  await ch.assertQueue(names.parkQueue, {
    durable: true,
    arguments: {
      ...queueArguments(queueType, true),
      'x-message-ttl': PARK_MS,
      'x-dead-letter-exchange': names.deliveriesExchange,
      'x-dead-letter-routing-key': names.deliverRoutingKey,
    },
  });

  for (const tierMs of new Set(options.retryTiersMs ?? [])) {
    // A retry tier holds messages for AT MOST its TTL: RabbitMQ expires messages only from the head
    // of a queue, so a message's own shorter `expiration` cannot overtake an older one, but neither
    // can it wait longer than the queue TTL. See retryTiers() for how tiers are chosen.
    await ch.assertQueue(names.retryQueue(tierMs), {
      durable: true,
      arguments: {
        ...queueArguments(queueType, true),
        'x-message-ttl': tierMs,
        'x-dead-letter-exchange': names.deliveriesExchange,
        'x-dead-letter-routing-key': names.deliverRoutingKey,
      },
    });
  }
  return names;
}

/** A pull consumer group's queue on a station, made on first use. */
export async function declareStationQueue(
  ch: Channel,
  options: {
    namespace?: string;
    station: string;
    group: string;
    retentionMs: number;
    queueType?: QueueType;
    /** x-max-length / x-max-length-bytes: beyond them the OLDEST messages are dropped (drop-head). */
    maxLength?: number;
    maxLengthBytes?: number;
  },
): Promise<string> {
  const names = topologyNames(options.namespace);
  const queue = names.stationQueue(options.station, options.group);
  // drop-head, not reject-publish: a publish reaches every group's queue at once, and one group that
  // stopped pulling must not make the gateway refuse messages for all the others.
  await ch.assertQueue(queue, {
    durable: true,
    arguments: {
      'x-queue-type': options.queueType ?? 'classic',
      'x-message-ttl': options.retentionMs,
      ...(options.maxLength !== undefined ? { 'x-max-length': options.maxLength } : {}),
      ...(options.maxLengthBytes !== undefined ? { 'x-max-length-bytes': options.maxLengthBytes } : {}),
    },
  });
  await ch.bindQueue(queue, names.eventsExchange, `station.${options.station}`);
  return queue;
}

/**
 * A per-subscription queue of the delivery controls, declared by whoever needs it first (the
 * subscription service binding a FIFO queue, a dispatcher consuming). Every dispatcher consumes
 * it, and RabbitMQ's single active consumer lets exactly one of them have its messages at a time:
 * that one instance sends the subscription's deliveries, so order and rate are decided in one
 * place with no coordination per message. When it dies, RabbitMQ hands the queue, with its
 * unacked messages at the head, to another consumer.
 */
export async function declareControlledQueue(
  ch: Channel,
  options: { namespace?: string; queue: string; queueType?: QueueType },
): Promise<void> {
  const names = topologyNames(options.namespace);
  await ch.assertQueue(options.queue, {
    durable: true,
    arguments: {
      ...queueArguments(options.queueType ?? 'classic', true),
      'x-single-active-consumer': true,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': names.deadQueue,
    },
  });
}

/** The binding key on the events exchange for a subscription's event type (`*` is every event). */
export function eventBindingKey(eventType: string): string {
  return eventType === '*' ? '#' : eventType;
}

/**
 * Makes a FIFO subscription's queue receive exactly the events of `eventTypes` from now on, and
 * no others. Bind before unbind: an event type kept across a change is never without a binding.
 */
export async function bindFifoQueue(
  ch: Channel,
  options: {
    namespace?: string;
    subscriptionId: string;
    eventTypes: readonly string[];
    unbind?: readonly string[];
    queueType?: QueueType;
  },
): Promise<void> {
  const names = topologyNames(options.namespace);
  const queue = names.fifoQueue(options.subscriptionId);
  await declareControlledQueue(ch, { namespace: options.namespace, queue, queueType: options.queueType });
  const keep = new Set(options.eventTypes.map(eventBindingKey));
  for (const key of keep) await ch.bindQueue(queue, names.eventsExchange, key);
  for (const type of options.unbind ?? []) {
    const key = eventBindingKey(type);
    if (!keep.has(key)) await ch.unbindQueue(queue, names.eventsExchange, key);
  }
}

/**
 * The retry tiers for a schedule. Jitter and a per-queue TTL: a message that must wait D ms is put
 * in the smallest tier T >= D with its own `expiration` = D. It leaves when it AND every message
 * ahead of it has expired, and nothing ahead of it waits past T, so it leaves after between D and
 * T ms. With a tier at 1.2 x d (the jitter ceiling) and one at 2 x d (the Retry-After ceiling) for
 * every scheduled delay d, a jittered delay in [0.8d, 1.2d] stays in that window, and a
 * Retry-After clamped to [d, 2d] stays in [d, 2d].
 */
export function retryTiers(scheduleMs: readonly number[]): number[] {
  const tiers = new Set<number>();
  for (const d of scheduleMs) {
    tiers.add(Math.ceil(d * 1.2));
    tiers.add(d * 2);
  }
  return [...tiers].sort((a, b) => a - b);
}

/**
 * One namespace's topology as a process uses it, derived once from its settings (createBroker does,
 * and the broker carries it): what declareTopology declares is then what the dispatcher schedules
 * retries into, with no second derivation that would have to agree.
 */
export interface Topology {
  namespace: string;
  names: TopologyNames;
  queueType: QueueType;
  /** The delays between attempts (ms), and the retry queues that hold them (retryTiers). */
  retryScheduleMs: readonly number[];
  retryTiersMs: readonly number[];
}

export function topologyFor(settings: {
  namespace?: string;
  retryScheduleMs?: readonly number[];
  queueType?: QueueType;
}): Topology {
  const namespace = settings.namespace ?? 'hookline';
  const retryScheduleMs = settings.retryScheduleMs ?? [];
  return {
    namespace,
    names: topologyNames(namespace),
    queueType: settings.queueType ?? 'classic',
    retryScheduleMs,
    retryTiersMs: retryTiers(retryScheduleMs),
  };
}

/** The smallest tier that can hold a delay of `delayMs` (the largest tier if none can). */
export function tierFor(delayMs: number, tiersMs: readonly number[]): number {
  for (const t of tiersMs) if (t >= delayMs) return t;
  const last = tiersMs[tiersMs.length - 1];
  if (last === undefined) throw new Error('no retry tiers declared');
  return last;
}
