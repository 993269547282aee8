import { EventEmitter } from 'node:events';
import { injectTrace } from '@hookline/telemetry';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage, type Options } from 'amqplib';
import { BrokerUnavailableError } from './errors';
import { coalesceAmqpWrites } from './write-coalescing';

coalesceAmqpWrites();

export interface BrokerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface BrokerOptions {
  url: string;
  /** Shown in the RabbitMQ management UI's connection list. */
  name?: string;
  logger?: BrokerLogger;
  /** Runs on every (re)connect before anything else: declare the topology here. */
  setup?: (ch: Channel) => Promise<void>;
  /** How long a publish waits for RabbitMQ's confirm before giving up. */
  confirmTimeoutMs?: number;
}

/** What a consumer's handler decides for a message; the helper applies it. */
export type Disposition = 'ack' | 'requeue' | 'reject';
export type MessageHandler = (msg: ConsumeMessage) => Promise<Disposition>;

export interface ConsumeOptions {
  prefetch: number;
  /** Exclusive, auto-delete, server-named queue bound to this exchange (e.g. a change feed). */
  exclusiveBindTo?: string;
  /** Declares the queue before every (re)subscription, so a queue deleted meanwhile cannot fail a reconnect. */
  declare?: (ch: Channel) => Promise<void>;
}

export interface Consumer {
  /** Resolves once the consumer is subscribed on the broker (after the first connection). */
  ready: Promise<void>;
  /** Stop taking new messages and wait for the in-flight ones to finish. */
  stop(): Promise<void>;
}

const silent: BrokerLogger = { info() {}, warn() {}, error() {} };

interface ConsumerState {
  queue: string;
  handler: MessageHandler;
  options: ConsumeOptions;
  channel?: Channel;
  tag?: string;
  stopped: boolean;
  inFlight: Set<Promise<void>>;
  onAttached: () => void;
}

/**
 * One AMQP connection that reconnects by itself (backoff 100 ms doubling to 5 s), with one confirm
 * channel for publishing and one channel per consumer. `noDelay` is on: with Nagle's algorithm a
 * publish-to-consume round trip on loopback took ~20 ms instead of ~1 ms (webhook-standards.md).
 */
export class Broker extends EventEmitter {
  private conn?: ChannelModel;
  private pub?: ConfirmChannel;
  private connecting?: Promise<void>;
  private closed = false;
  private retryMs = 100;
  private readonly consumers = new Set<ConsumerState>();
  private readonly pending = new Set<(err?: unknown) => void>();
  private readonly log: BrokerLogger;

  constructor(private readonly options: BrokerOptions) {
    super();
    this.log = options.logger ?? silent;
  }

  get connected(): boolean {
    return this.pub !== undefined;
  }

  /** Starts connecting in the background; resolves on the first successful connection. */
  start(): Promise<void> {
    return new Promise((resolve) => {
      if (this.connected) return resolve();
      this.once('connected', () => resolve());
      void this.connectLoop();
    });
  }

  /** Resolves when connected, or rejects with BrokerUnavailableError after `timeoutMs`. */
  async waitUntilConnected(timeoutMs: number): Promise<void> {
    if (this.connected) return;
    void this.connectLoop();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('connected', onConnected);
        reject(new BrokerUnavailableError('RabbitMQ is not reachable'));
      }, timeoutMs);
      const onConnected = () => {
        clearTimeout(timer);
        resolve();
      };
      this.once('connected', onConnected);
    });
  }

  private connectLoop(): Promise<void> {
    this.connecting ??= (async () => {
      while (!this.closed && !this.connected) {
        try {
          await this.connectOnce();
          this.retryMs = 100;
        } catch (err) {
          this.log.warn({ err: (err as Error).message, retryInMs: this.retryMs }, 'rabbitmq.connect_failed');
          // For whoever must tell a person why (npm start): the loop itself keeps retrying.
          this.emit('connect_failed', err);
          await new Promise((r) => setTimeout(r, this.retryMs).unref());
          this.retryMs = Math.min(this.retryMs * 2, 5000);
        }
      }
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connectOnce(): Promise<void> {
    const conn = await amqp.connect(this.options.url, {
      noDelay: true,
      clientProperties: { connection_name: this.options.name ?? 'hookline' },
    });
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      this.conn = undefined;
      this.pub = undefined;
      for (const c of this.consumers) {
        c.channel = undefined;
        c.tag = undefined;
      }
      const lostError = new BrokerUnavailableError('RabbitMQ connection lost before the confirm');
      for (const settle of [...this.pending]) settle(lostError);
      this.emit('disconnected');
      if (!this.closed) {
        this.log.warn({ err: err?.message }, 'rabbitmq.connection_lost');
        void this.connectLoop();
      }
    };
    conn.on('error', (err: Error) => onLost(err));
    conn.on('close', (err?: Error) => onLost(err));
    try {
      const setupChannel = await conn.createChannel();
      await this.options.setup?.(setupChannel);
      await setupChannel.close();
      const pub = await conn.createConfirmChannel();
      pub.on('error', () => {}); // the connection's close handler does the recovery
      this.conn = conn;
      for (const c of this.consumers) if (!c.stopped) await this.attachConsumer(conn, c);
      this.pub = pub;
    } catch (err) {
      await conn.close().catch(() => {});
      throw err;
    }
    if (this.closed) {
      // close() was called while this connection was being made: do not leave it open.
      this.pub = undefined;
      this.conn = undefined;
      await conn.close().catch(() => {});
      return;
    }
    this.log.info({ name: this.options.name }, 'rabbitmq.connected');
    this.emit('connected');
  }

  /** A short-lived channel for one-off declarations (e.g. a station queue on first use). */
  async withChannel<T>(fn: (ch: Channel) => Promise<T>): Promise<T> {
    if (!this.conn) throw new BrokerUnavailableError('RabbitMQ is not connected');
    const ch = await this.conn.createChannel();
    ch.on('error', () => {});
    try {
      return await fn(ch);
    } finally {
      await ch.close().catch(() => {});
    }
  }

  /**
   * Publishes and resolves only once RabbitMQ has confirmed the message (it is then on disk for a
   * persistent message on a durable queue). Rejects with BrokerUnavailableError otherwise.
   */
  publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish = {}): Promise<void> {
    const ch = this.pub;
    if (!ch) return Promise.reject(new BrokerUnavailableError('RabbitMQ is not connected'));
    const timeoutMs = this.options.confirmTimeoutMs ?? 5000;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.pending.delete(settle);
        if (err)
          reject(
            err instanceof BrokerUnavailableError
              ? err
              : new BrokerUnavailableError(String((err as Error)?.message ?? err)),
          );
        else resolve();
      };
      const timer = setTimeout(() => settle(new BrokerUnavailableError('RabbitMQ did not confirm in time')), timeoutMs);
      // A lost connection fails every publish still waiting for its confirm (see connectOnce).
      this.pending.add(settle);
      try {
        // The active trace (an HTTP request's, a fan-out's) travels in the message headers.
        const headers = injectTrace({ ...options.headers });
        ch.publish(exchange, routingKey, content, { persistent: true, ...options, headers }, (err) =>
          settle(err ?? undefined),
        );
      } catch (err) {
        settle(err);
      }
    });
  }

  /** Consumes with manual acks; re-subscribes by itself after a reconnect. */
  consume(queue: string, handler: MessageHandler, options: ConsumeOptions): Consumer {
    let onAttached = () => {};
    const ready = new Promise<void>((resolve) => {
      onAttached = resolve;
    });
    const state: ConsumerState = { queue, handler, options, stopped: false, inFlight: new Set(), onAttached };
    this.consumers.add(state);
    if (this.conn)
      void this.attachConsumer(this.conn, state).catch((err) => this.log.error({ err }, 'rabbitmq.consume_failed'));
    return {
      ready,
      stop: async () => {
        await this.stopConsumer(state);
        await state.channel?.close().catch(() => {});
        this.consumers.delete(state);
      },
    };
  }

  private async attachConsumer(conn: ChannelModel, state: ConsumerState): Promise<void> {
    const ch = await conn.createChannel();
    ch.on('error', (err) => this.log.error({ err: err.message, queue: state.queue }, 'rabbitmq.channel_error'));
    await ch.prefetch(state.options.prefetch);
    let queue = state.queue;
    if (state.options.exclusiveBindTo) {
      const q = await ch.assertQueue('', { exclusive: true, autoDelete: true });
      await ch.bindQueue(q.queue, state.options.exclusiveBindTo, '');
      queue = q.queue;
    }
    await state.options.declare?.(ch);
    state.channel = ch;
    const { consumerTag } = await ch.consume(queue, (msg) => {
      if (!msg) return; // the server cancelled the consumer (queue deleted); reconnect logic re-attaches
      const work = this.handle(ch, state, msg);
      state.inFlight.add(work);
      void work.finally(() => state.inFlight.delete(work));
    });
    state.tag = consumerTag;
    state.onAttached();
  }

  private async handle(ch: Channel, state: ConsumerState, msg: ConsumeMessage): Promise<void> {
    let disposition: Disposition;
    try {
      disposition = await state.handler(msg);
    } catch (err) {
      // A throw is a system fault (database down, bug): give the message back so it is not lost.
      this.log.error({ err: (err as Error).message, queue: state.queue }, 'consumer.handler_failed');
      await new Promise((r) => setTimeout(r, 200));
      disposition = 'requeue';
    }
    // The channel may have died while the handler ran; its delivery tags died with it and the
    // message will come back on the new channel (at least once), so there is nothing to settle.
    if (state.channel !== ch) return;
    try {
      if (disposition === 'ack') ch.ack(msg);
      else ch.nack(msg, false, disposition === 'requeue');
    } catch {
      /* channel closed between the check and the ack: same as above */
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.consumers].map((c) => (c.stopped ? undefined : this.stopConsumer(c))));
    const conn = this.conn;
    this.conn = undefined;
    this.pub = undefined;
    await conn?.close().catch(() => {});
  }

  private async stopConsumer(state: ConsumerState): Promise<void> {
    state.stopped = true;
    if (state.channel && state.tag) await state.channel.cancel(state.tag).catch(() => {});
    await Promise.allSettled([...state.inFlight]);
  }
}
