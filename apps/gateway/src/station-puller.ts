import { type Broker, BrokerUnavailableError, declareStationQueue, type Topology } from '@hookline/broker';
import { stationEventType } from '@hookline/contracts';
import type { Channel, ConsumeMessage } from 'amqplib';
import { StationError } from './memphis';
import { type PulledMessage, pulledMessage } from './message';
import type { StationGroups } from './station-groups';

export interface PullOptions {
  batchSize: number;
  maxWaitMs: number;
  /** Called when the caller went away: stop waiting. */
  signal?: AbortSignal;
}

/**
 * Pull consumption for Memphis-style consumer groups. Each group has a durable queue
 * `<ns>.station.<station>.<group>`, bound to the station's routing key on first use: a group gets
 * every message published after that, once. Messages wait in it for `retentionMs` at most (the
 * queue's message TTL, STATION_RETENTION).
 */
export class StationPuller {
  private readonly declared = new Set<string>();
  private readonly closing = new AbortController();

  constructor(
    private readonly broker: Broker,
    /** The broker's topology: queue names and the namespace station queues are declared in. */
    private readonly topology: Topology,
    private readonly retentionMs: number,
    /** Each group is a durable queue anyone with a JWT can make: how many, and how full, is bounded. */
    private readonly limits?: { groups: StationGroups; maxLength: number; maxLengthBytes: number },
  ) {}

  private async ensureQueue(station: string, group: string): Promise<string> {
    const queue = this.topology.names.stationQueue(station, group);
    if (this.declared.has(queue)) return queue;
    if (this.limits && !(await this.limits.groups.admit(station, group))) {
      throw new StationError(
        429,
        `station ${station} has the most consumer groups allowed (${this.limits.groups.max}): use an existing one`,
      );
    }
    try {
      await this.broker.withChannel((ch) =>
        declareStationQueue(ch, {
          namespace: this.topology.namespace,
          station,
          group,
          retentionMs: this.retentionMs,
          ...(this.limits ? { maxLength: this.limits.maxLength, maxLengthBytes: this.limits.maxLengthBytes } : {}),
        }),
      );
    } catch (err) {
      // 406: the queue exists with other arguments (STATION_RETENTION or the length limits changed
      // since it was made). It still works with its original ones. Only make sure it is bound.
      if ((err as { code?: number }).code !== 406) throw err;
      await this.broker.withChannel((ch) =>
        ch.bindQueue(queue, this.topology.names.eventsExchange, stationEventType(station)),
      );
    }
    this.declared.add(queue);
    return queue;
  }

  /** Shutdown: every pull waiting for messages answers with what it has now, and new ones at once. */
  stop(): void {
    this.closing.abort();
  }

  /**
   * Takes up to `batchSize` messages, waiting at most `maxWaitMs` for them, and hands them to
   * `deliver`. They are acked only if `deliver` resolves true (the response was written); otherwise
   * closing the channel gives them back to the queue: at least once.
   */
  async pull(
    station: string,
    group: string,
    options: PullOptions,
    deliver: (messages: PulledMessage[]) => Promise<boolean>,
  ): Promise<void> {
    const queue = await this.ensureQueue(station, group);
    try {
      // On the consuming connection: a memory or disk alarm blocks the publishing one, acks included.
      await this.broker.withConsumingChannel(async (ch) => {
        const taken = await this.take(ch, queue, options);
        if (await deliver(taken.map((m) => pulledMessage(m.content)))) for (const m of taken) ch.ack(m);
      });
    } catch (err) {
      // The queue was deleted behind our back: declare it again next time.
      if ((err as { code?: number }).code === 404) this.declared.delete(queue);
      if (err instanceof BrokerUnavailableError) throw err;
      throw new BrokerUnavailableError(`pull failed: ${(err as Error).message}`);
    }
  }

  // A short-lived consumer with prefetch = batch size, rather than a loop of basic.get: no polling
  // delay, and the broker never sends more than we can return.
  private async take(ch: Channel, queue: string, options: PullOptions): Promise<ConsumeMessage[]> {
    await ch.prefetch(options.batchSize);
    const taken: ConsumeMessage[] = [];
    let tag: string | undefined;
    const signal = options.signal ? AbortSignal.any([options.signal, this.closing.signal]) : this.closing.signal;
    await new Promise<void>((resolve, reject) => {
      let done = false;
      const finish = (err?: unknown) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onAbort = () => finish();
      const timer = setTimeout(finish, options.maxWaitMs);
      signal.addEventListener('abort', onAbort);
      if (signal.aborted) finish();
      ch.consume(
        queue,
        (msg) => {
          if (!msg) return finish();
          // Deliveries racing the cancel stay unacked and return to the queue with the channel.
          if (done) return;
          taken.push(msg);
          if (taken.length >= options.batchSize) finish();
        },
        { noAck: false },
      ).then(
        (ok) => {
          tag = ok.consumerTag;
        },
        (err) => finish(err),
      );
    });
    if (tag) await ch.cancel(tag).catch(() => {});
    return taken;
  }
}
