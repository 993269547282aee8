import type { ChildProcess } from 'node:child_process';
import { type Broker, bindFifoQueue, type TopologyNames, topologyNames } from '@hookline/broker';
import { createEnvelope, type SubscriptionRecord } from '@hookline/contracts';
import { createLogger } from '@hookline/http';
import { createBroker } from '@hookline/runtime';
import {
  deleteNamespace,
  RABBITMQ_URL,
  type ReceivedRequest,
  type Responder,
  uniqueMongoUrl,
  uniqueNamespace,
} from '@hookline/testing';
import { subscription } from './harness';
import { startWorker } from './spawn-worker';

/**
 * Dispatcher processes (support/worker-process.ts) sharing one namespace and database, with a
 * publisher: the rate-limit and FIFO tests run 1 to 3 of them against the real RabbitMQ and MongoDB.
 */
export class ControlsRun {
  readonly ns: string;
  readonly names: TopologyNames;
  readonly workers: ChildProcess[] = [];
  broker!: Broker;
  readonly mongoUrl: string;

  constructor(
    label: string,
    private readonly retrySchedule = '300,300,300',
  ) {
    this.ns = uniqueNamespace(label);
    this.names = topologyNames(this.ns);
    this.mongoUrl = uniqueMongoUrl(label);
  }

  async start(): Promise<void> {
    const schedule = this.retrySchedule.split(',').map(Number);
    this.broker = createBroker(
      { RABBITMQ_URL, HOOKLINE_NAMESPACE: this.ns, RETRY_SCHEDULE: schedule, PORT: 0, LOG_LEVEL: 'silent' },
      `controls-pub-${this.ns}`,
      createLogger('t', 'silent'),
    );
    await this.broker.start();
  }

  /**
   * A FIFO subscription as the subscription service makes one: its queue bound first, then
   * `orderingSince` stamped after the binding (see deliveredBy).
   */
  async fifoSubscription(url: string, extra: Partial<SubscriptionRecord> = {}): Promise<SubscriptionRecord> {
    const sub = subscription(url, ['LIKED_PHOTO'], extra);
    await this.broker.withChannel((ch) =>
      bindFifoQueue(ch, { namespace: this.ns, subscriptionId: sub.id, eventTypes: sub.eventTypes }),
    );
    return { ...sub, ordering: 'fifo', orderingSince: Date.now() };
  }

  async startWorkers(count: number, subs: SubscriptionRecord[]): Promise<void> {
    const env = {
      HOOKLINE_NAMESPACE: this.ns,
      MONGO_URL: this.mongoUrl,
      RETRY_SCHEDULE: this.retrySchedule,
      SUBSCRIPTIONS: JSON.stringify(subs),
    };
    for (let i = 0; i < count; i++) this.workers.push(await startWorker(env));
  }

  /** Publishes `count` LIKED_PHOTO events {n: 0..count-1} on one channel, so in this order. */
  async publish(count: number): Promise<void> {
    const published: Promise<void>[] = [];
    for (let n = 0; n < count; n++) {
      const e = createEnvelope('LIKED_PHOTO', { n });
      published.push(this.broker.publish(this.names.eventsExchange, 'LIKED_PHOTO', Buffer.from(JSON.stringify(e))));
    }
    await Promise.all(published);
  }

  async stop(): Promise<void> {
    for (const w of this.workers) w.kill('SIGKILL');
    await this.broker?.close();
    await deleteNamespace(this.ns);
  }
}

/**
 * A receiver's responder that fails event `n` (500) the first `times` times and answers 200 after
 * `delayMs` otherwise.
 */
export function failingEvent(n: number, times: number, delayMs = 0): Responder {
  let failuresLeft = times;
  return (req, res) => {
    if (eventNumber(req) === n && failuresLeft > 0) {
      failuresLeft--;
      res.writeHead(500).end();
      return;
    }
    if (delayMs > 0) setTimeout(() => res.writeHead(200).end(), delayMs);
    else res.writeHead(200).end();
  };
}

/** The event number a request carries. */
export function eventNumber(r: ReceivedRequest): number {
  return (JSON.parse(r.body) as { data: { n: number } }).data.n;
}

/** The largest number of requests that arrived within any window of `windowMs` (half-open). */
export function maxInWindow(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while ((t[i] as number) - (t[j] as number) >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}
