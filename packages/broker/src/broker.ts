import { EventEmitter } from 'node:events';
import { injectTrace } from '@hookline/telemetry';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import { type BrokerLogger, ReconnectingConnection, silentLogger } from './connection';
import { type ConsumeOptions, type Consumer, Consumers, type MessageHandler } from './consumers';
import { BrokerUnavailableError, UnroutableMessageError } from './errors';
import type { Topology } from './topology';

export interface BrokerOptions {
  url: string;
  /** Shown in the RabbitMQ management UI's connection list (the consuming one gets ` (consume)` added). */
  name?: string;
  logger?: BrokerLogger;
  /** Runs on every (re)connect before anything else: declare the topology here. */
  setup?: (ch: Channel) => Promise<void>;
  /** How long a publish waits for RabbitMQ's confirm before giving up. */
  confirmTimeoutMs?: number;
  /** The topology `setup` declares, for the code that publishes and consumes by it. */
  topology?: Topology;
}

/** A publish waiting for its confirm; `returned` once RabbitMQ sent it back as unroutable. */
interface PendingPublish {
  exchange: string;
  routingKey: string;
  content: Buffer;
  returned: boolean;
  settle(err?: unknown): void;
}

/**
 * Hookline's RabbitMQ client: confirmed publishes on one connection, consumers on another. Two
 * connections because RabbitMQ's memory and disk alarms block every connection that publishes,
 * reads from it included: with one connection, an alarm would also stop the acks, and with them
 * every consumer. The consuming connection is opened with the first `consume`, so a process that
 * only publishes holds one connection. Emits `connected` (publishing), `disconnected` (either) and
 * `connect_failed`.
 */
export class Broker extends EventEmitter {
  private readonly publishing: ReconnectingConnection;
  private consuming?: ReconnectingConnection;
  private readonly consumers: Consumers;
  private pub?: ConfirmChannel;
  /** Publishes of the current channel, in publish order (returns are matched to the oldest). */
  private pending = new Set<PendingPublish>();
  private closed = false;
  private readonly log: BrokerLogger;
  private readonly name: string;

  /**
   * The topology this broker declares on every connect (see BrokerOptions.topology), for code that
   * publishes and consumes by its names: derived once, by createBroker.
   */
  requireTopology(): Topology {
    if (!this.options.topology) throw new Error('this broker has no topology: make it with createBroker');
    return this.options.topology;
  }

  constructor(private readonly options: BrokerOptions) {
    super();
    this.log = options.logger ?? silentLogger;
    this.name = options.name ?? 'hookline';
    this.consumers = new Consumers(this.log, options.setup);
    this.publishing = new ReconnectingConnection({
      url: options.url,
      name: this.name,
      logger: this.log,
      setup: options.setup,
      onOpen: (conn) => this.openPublishChannel(conn),
      onLost: () => {
        this.dropPublishChannel(new BrokerUnavailableError('RabbitMQ connection lost before the confirm'));
        this.emit('disconnected');
      },
    });
    this.publishing.on('connected', () => this.emit('connected'));
    this.publishing.on('connect_failed', (err) => this.emit('connect_failed', err));
  }

  /** Publishing works, and so does consuming if this process consumes. */
  get connected(): boolean {
    return this.pub !== undefined && (!this.consuming || this.consuming.current !== undefined);
  }

  /** Consumers not subscribed right now, by queue (`exchange:<name>` for a feed); empty when all are. */
  downConsumers(): string[] {
    return this.consumers.down();
  }

  /** Starts connecting in the background; resolves on the first successful connection. */
  start(): Promise<void> {
    return new Promise((resolve) => {
      if (this.pub) return resolve();
      this.once('connected', () => resolve());
      void this.publishing.connect();
    });
  }

  /** Resolves when connected, or rejects with BrokerUnavailableError after `timeoutMs`. */
  async waitUntilConnected(timeoutMs: number): Promise<void> {
    if (this.pub) return;
    void this.publishing.connect();
    await nextConnected(this, timeoutMs);
  }

  private async openPublishChannel(conn: ChannelModel): Promise<void> {
    const ch = await conn.createConfirmChannel();
    ch.on('error', () => {}); // logged by whoever's publish failed with it
    ch.on('return', (msg: ConsumeMessage) => this.returned(ch, msg));
    // A channel error (a publish to a missing exchange) closes this channel alone: fail what waits on
    // it and open another, so one bad publish does not stop every later one.
    ch.on('close', () => {
      if (this.pub !== ch) return;
      this.dropPublishChannel(new BrokerUnavailableError('RabbitMQ closed the publishing channel'));
      // On the next turn: when the whole connection is closing, its own close has been seen by then.
      setImmediate(() => {
        if (this.publishing.current !== conn || this.closed || this.pub) return;
        this.openPublishChannel(conn).catch((err) =>
          this.log.warn({ err: (err as Error).message }, 'rabbitmq.publish_channel_failed'),
        );
      });
    });
    this.pub = ch;
  }

  private dropPublishChannel(err: Error): void {
    this.pub = undefined;
    const waiting = this.pending;
    this.pending = new Set();
    for (const p of waiting) p.settle(err);
  }

  /**
   * RabbitMQ sends an unroutable mandatory message back before its confirm. A returned message
   * carries no delivery tag, so it is matched to the oldest waiting publish with the same
   * exchange, routing key and body: identical messages to one destination are routed alike.
   */
  private returned(ch: ConfirmChannel, msg: ConsumeMessage): void {
    if (this.pub !== ch) return;
    const { exchange, routingKey } = msg.fields;
    // A Set iterates in insertion order: the first match is the oldest.
    for (const p of this.pending) {
      if (p.returned || p.exchange !== exchange || p.routingKey !== routingKey || !p.content.equals(msg.content))
        continue;
      p.returned = true;
      return;
    }
  }

  /** A short-lived channel for one-off declarations (e.g. a station queue on first use). */
  async withChannel<T>(fn: (ch: Channel) => Promise<T>): Promise<T> {
    const conn = this.publishing.current;
    if (!conn) throw new BrokerUnavailableError('RabbitMQ is not connected');
    return this.onChannel(conn, fn);
  }

  /**
   * A short-lived channel on the consuming connection, for a pull that takes and acks messages (the
   * gateway's consume routes): it keeps working while an alarm blocks the publishing connection.
   * Opens the consuming connection if need be, waiting up to `timeoutMs` for it.
   */
  async withConsumingChannel<T>(fn: (ch: Channel) => Promise<T>, timeoutMs = 5000): Promise<T> {
    if (this.closed) throw new BrokerUnavailableError('the broker client is closed');
    const consuming = this.consumingConnection();
    if (!consuming.current) await nextConnected(consuming, timeoutMs);
    const conn = consuming.current;
    if (!conn) throw new BrokerUnavailableError('RabbitMQ is not connected');
    return this.onChannel(conn, fn);
  }

  private async onChannel<T>(conn: ChannelModel, fn: (ch: Channel) => Promise<T>): Promise<T> {
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    try {
      return await fn(ch);
    } finally {
      await ch.close().catch(() => {});
    }
  }

  /**
   * Publishes and resolves only once RabbitMQ has confirmed the message (it is then on disk for a
   * persistent message on a durable queue). Mandatory by default: a message no queue takes is an
   * UnroutableMessageError, not a silent confirm. Rejects with BrokerUnavailableError otherwise.
   */
  publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish = {}): Promise<void> {
    const ch = this.pub;
    if (!ch) return Promise.reject(new BrokerUnavailableError('RabbitMQ is not connected'));
    const timeoutMs = this.options.confirmTimeoutMs ?? 5000;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const entry: PendingPublish = {
        exchange,
        routingKey,
        content,
        returned: false,
        settle: (err?: unknown) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.pending.delete(entry);
          if (!err && entry.returned)
            reject(
              new UnroutableMessageError(`no queue took the message (exchange "${exchange}", key "${routingKey}")`),
            );
          else if (err)
            reject(
              err instanceof BrokerUnavailableError
                ? err
                : new BrokerUnavailableError(String((err as Error)?.message ?? err)),
            );
          else resolve();
        },
      };
      const timer = setTimeout(
        () => entry.settle(new BrokerUnavailableError('RabbitMQ did not confirm in time')),
        timeoutMs,
      );
      // A lost connection or channel fails every publish still waiting for its confirm.
      this.pending.add(entry);
      try {
        // The active trace (an HTTP request's, a fan-out's) travels in the message headers.
        const headers = injectTrace({ ...options.headers });
        ch.publish(exchange, routingKey, content, { persistent: true, mandatory: true, ...options, headers }, (err) =>
          entry.settle(err ?? undefined),
        );
      } catch (err) {
        entry.settle(err);
      }
    });
  }

  /** Consumes with manual acks on the consuming connection; re-subscribes by itself (see Consumers). */
  consume(queue: string, handler: MessageHandler, options: ConsumeOptions): Consumer {
    const consumer = this.consumers.add(queue, handler, options);
    if (!this.closed) this.consumingConnection();
    return consumer;
  }

  /** The consuming connection, opened on first use. */
  private consumingConnection(): ReconnectingConnection {
    if (this.consuming) return this.consuming;
    const consuming = new ReconnectingConnection({
      url: this.options.url,
      name: `${this.name} (consume)`,
      logger: this.log,
      setup: this.options.setup,
      onOpen: (conn) => this.consumers.attachAll(conn),
      onLost: () => {
        this.consumers.detachAll();
        this.emit('disconnected');
      },
    });
    this.consuming = consuming;
    void consuming.connect();
    return consuming;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.consumers.stopAll();
    this.dropPublishChannel(new BrokerUnavailableError('the broker client is closing'));
    await Promise.all([this.consuming?.close(), this.publishing.close()]);
  }
}

/** Resolves on the emitter's next `connected`, or rejects with BrokerUnavailableError after `timeoutMs`. */
function nextConnected(emitter: EventEmitter, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off('connected', onConnected);
      reject(new BrokerUnavailableError('RabbitMQ is not reachable'));
    }, timeoutMs);
    const onConnected = () => {
      clearTimeout(timer);
      resolve();
    };
    emitter.once('connected', onConnected);
  });
}
