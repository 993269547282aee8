import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { AckBatch } from './ack-batch';
import type { BrokerLogger } from './connection';

/** What a consumer's handler decides for a message; the helper applies it. */
export type Disposition = 'ack' | 'requeue' | 'reject';
export type MessageHandler = (msg: ConsumeMessage) => Promise<Disposition>;

export interface ConsumeOptions {
  prefetch: number;
  /** Exclusive, auto-delete, server-named queue bound to this exchange (e.g. a change feed). */
  exclusiveBindTo?: string;
  /** Declares the queue before every (re)subscription, so a queue deleted meanwhile cannot fail a reconnect. */
  declare?: (ch: Channel) => Promise<void>;
  /**
   * Runs after every subscription, the first and each one after a reconnect, a server cancel or a
   * closed channel. An exclusive queue is a new queue each time: whatever was published to its
   * exchange in between is lost, and this is where to catch up (e.g. reread a snapshot).
   */
  onAttached?: () => void;
  /** Runs when a subscribed consumer stops getting messages: its connection or channel lost, or a server cancel. */
  onDetached?: () => void;
}

export interface Consumer {
  /** Resolves once the consumer is subscribed on the broker (after the first connection). */
  ready: Promise<void>;
  /** Stop taking new messages and wait for the in-flight ones to finish. */
  stop(): Promise<void>;
}

interface ConsumerState {
  /** The queue, or `exchange:<name>` for an exclusive queue bound to an exchange. */
  label: string;
  queue: string;
  handler: MessageHandler;
  options: ConsumeOptions;
  channel?: Channel;
  tag?: string;
  stopped: boolean;
  inFlight: Set<Promise<void>>;
  reattachTimer?: NodeJS.Timeout;
  retryMs: number;
  onFirstAttach: () => void;
}

/** Backoff of a consumer whose re-subscription failed (its queue is missing, say): 100 ms doubling to 5 s. */
const MAX_REATTACH_MS = 5000;

/**
 * Every consumer of one connection, each on its own channel with manual acks. A consumer comes back
 * by itself after a reconnect, after RabbitMQ cancels it (its queue was deleted: basic.cancel), and
 * after its channel alone is closed (a channel error), each time declaring what it consumes first.
 */
export class Consumers {
  private readonly states = new Set<ConsumerState>();
  private conn?: ChannelModel;
  /** Channels known closed: a handler finishing after its channel closed has nothing to settle. */
  private readonly closedChannels = new WeakSet<Channel>();

  constructor(
    private readonly log: BrokerLogger,
    /** Declares the topology on a channel before a consumer re-subscribes after a cancel or channel close. */
    private readonly setup?: (ch: Channel) => Promise<void>,
  ) {}

  get size(): number {
    return this.states.size;
  }

  /** Consumers that are not subscribed right now (the queue, or `exchange:<name>` for a feed). */
  down(): string[] {
    return [...this.states].filter((s) => !s.stopped && !s.tag).map((s) => s.label);
  }

  /** A new connection: subscribe every consumer on it. */
  async attachAll(conn: ChannelModel): Promise<void> {
    this.conn = conn;
    for (const s of this.states) {
      if (s.stopped) continue;
      // One consumer that cannot subscribe (its queue is missing) must not keep the others down.
      await this.attach(conn, s, false).catch((err) => {
        this.log.warn({ err: (err as Error).message, queue: s.label }, 'rabbitmq.consume_failed');
        this.scheduleReattach(s);
      });
    }
  }

  /** The connection is gone, and every channel and delivery tag with it. */
  detachAll(): void {
    this.conn = undefined;
    for (const s of this.states) {
      if (s.channel) this.closedChannels.add(s.channel);
      const wasSubscribed = s.tag !== undefined;
      s.channel = undefined;
      s.tag = undefined;
      clearTimeout(s.reattachTimer);
      if (wasSubscribed) s.options.onDetached?.();
    }
  }

  add(queue: string, handler: MessageHandler, options: ConsumeOptions): Consumer {
    let onFirstAttach = () => {};
    const ready = new Promise<void>((resolve) => {
      onFirstAttach = resolve;
    });
    const label = options.exclusiveBindTo ? `exchange:${options.exclusiveBindTo}` : queue;
    const state: ConsumerState = {
      label,
      queue,
      handler,
      options,
      stopped: false,
      inFlight: new Set(),
      retryMs: 100,
      onFirstAttach,
    };
    this.states.add(state);
    if (this.conn) void this.attach(this.conn, state, false).catch(() => this.scheduleReattach(state));
    return {
      ready,
      stop: async () => {
        await this.stop(state);
        const ch = state.channel;
        state.channel = undefined;
        await ch?.close().catch(() => {});
        this.states.delete(state);
      },
    };
  }

  private async attach(conn: ChannelModel, state: ConsumerState, redeclare: boolean): Promise<void> {
    const ch = await conn.createChannel();
    ch.on('error', (err) => this.log.error({ err: err.message, queue: state.label }, 'rabbitmq.channel_error'));
    ch.on('close', () => this.channelClosed(state, ch));
    try {
      await ch.prefetch(state.options.prefetch);
      let queue = state.queue;
      if (state.options.exclusiveBindTo) {
        const q = await ch.assertQueue('', { exclusive: true, autoDelete: true });
        await ch.bindQueue(q.queue, state.options.exclusiveBindTo, '');
        queue = q.queue;
      } else if (redeclare && !state.options.declare) {
        await this.setup?.(ch);
      }
      await state.options.declare?.(ch);
      if (state.stopped || this.conn !== conn) throw new Error('consumer stopped or connection replaced');
      state.channel = ch;
      const acks = new AckBatch((tag, multiple) => {
        // The channel may have closed since: its tags died with it (the messages come back).
        if (!this.closedChannels.has(ch)) ch.ack({ fields: { deliveryTag: tag } } as ConsumeMessage, multiple);
      });
      const { consumerTag } = await ch.consume(queue, (msg) => {
        if (!msg) return this.cancelledByServer(state, ch);
        acks.delivered(msg.fields.deliveryTag);
        const work = this.handle(ch, acks, state, msg);
        state.inFlight.add(work);
        void work.finally(() => state.inFlight.delete(work));
      });
      state.tag = consumerTag;
    } catch (err) {
      if (state.channel === ch) state.channel = undefined;
      await ch.close().catch(() => {});
      throw err;
    }
    state.retryMs = 100;
    state.onFirstAttach();
    state.options.onAttached?.();
  }

  /** basic.cancel from RabbitMQ (the queue was deleted, or a cluster node holding it went away). */
  private cancelledByServer(state: ConsumerState, ch: Channel): void {
    if (state.channel !== ch) return;
    this.log.warn({ queue: state.label }, 'rabbitmq.consumer_cancelled');
    state.channel = undefined;
    state.tag = undefined;
    state.options.onDetached?.();
    // Let what is in flight settle on the old channel, then close it; subscribe again on a new one.
    void Promise.allSettled([...state.inFlight]).then(() => ch.close().catch(() => {}));
    this.scheduleReattach(state, 0);
  }

  private channelClosed(state: ConsumerState, ch: Channel): void {
    this.closedChannels.add(ch);
    // Not subscribed yet: the failing attach() reschedules itself with its backoff.
    if (state.channel !== ch || !state.tag) return;
    state.channel = undefined;
    state.tag = undefined;
    state.options.onDetached?.();
    // A lost connection is handled by attachAll on the next one; only a channel closed alone is ours.
    if (this.conn && !state.stopped) {
      this.log.warn({ queue: state.label }, 'rabbitmq.consumer_channel_closed');
      this.scheduleReattach(state, 0);
    }
  }

  private scheduleReattach(state: ConsumerState, delayMs = state.retryMs): void {
    clearTimeout(state.reattachTimer);
    if (state.stopped || !this.conn) return;
    state.reattachTimer = setTimeout(() => {
      const conn = this.conn;
      if (state.stopped || !conn || state.tag) return;
      this.attach(conn, state, true).catch((err) => {
        this.log.warn({ err: (err as Error).message, queue: state.label }, 'rabbitmq.consume_failed');
        state.retryMs = Math.min(state.retryMs * 2, MAX_REATTACH_MS);
        if (this.conn === conn) this.scheduleReattach(state);
      });
    }, delayMs);
    state.reattachTimer.unref();
  }

  private async handle(ch: Channel, acks: AckBatch, state: ConsumerState, msg: ConsumeMessage): Promise<void> {
    let disposition: Disposition;
    try {
      disposition = await state.handler(msg);
    } catch (err) {
      // A throw is a system fault (database down, bug): give the message back so it is not lost.
      this.log.error({ err: (err as Error).message, queue: state.label }, 'consumer.handler_failed');
      await new Promise((r) => setTimeout(r, 200));
      disposition = 'requeue';
    }
    // The channel may have died while the handler ran; its delivery tags died with it and the
    // message will come back on a new channel (at least once), so there is nothing to settle.
    if (this.closedChannels.has(ch)) return;
    try {
      // Acked at the end of this turn, with the others finishing in it; never before this handler finished.
      if (disposition === 'ack') await acks.ack(msg.fields.deliveryTag);
      else {
        ch.nack(msg, false, disposition === 'requeue');
        acks.nacked(msg.fields.deliveryTag);
      }
    } catch {
      /* channel closed between the check and the ack: same as above */
    }
  }

  /** Stops every consumer: no new messages, the in-flight ones finish. */
  async stopAll(): Promise<void> {
    await Promise.allSettled([...this.states].map((s) => (s.stopped ? undefined : this.stop(s))));
  }

  private async stop(state: ConsumerState): Promise<void> {
    state.stopped = true;
    clearTimeout(state.reattachTimer);
    if (state.channel && state.tag) await state.channel.cancel(state.tag).catch(() => {});
    await Promise.allSettled([...state.inFlight]);
  }
}
