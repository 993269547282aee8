import { EventEmitter } from 'node:events';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { coalesceAmqpWrites } from './write-coalescing';

coalesceAmqpWrites();

export interface BrokerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: BrokerLogger = { info() {}, warn() {}, error() {} };

export interface ConnectionOptions {
  url: string;
  /** Shown in the RabbitMQ management UI's connection list. */
  name: string;
  logger: BrokerLogger;
  /** Runs on every (re)connect before anything else: declare the topology here. */
  setup?: (ch: Channel) => Promise<void>;
  /** Runs after `setup` on every (re)connect; the connection counts as up once it resolves. */
  onOpen: (conn: ChannelModel) => Promise<void>;
  /** Runs once when a connection that was up is lost (not on `close()`). */
  onLost: (err?: Error) => void;
}

/**
 * One AMQP connection that reconnects by itself (backoff 100 ms doubling to 5 s). `noDelay` is on:
 * with Nagle's algorithm a publish-to-consume round trip on loopback took ~20 ms instead of ~1 ms
 * (webhook-standards.md). Emits `connected` and `connect_failed`.
 */
export class ReconnectingConnection extends EventEmitter {
  private conn?: ChannelModel;
  private connecting?: Promise<void>;
  private closed = false;
  private retryMs = 100;

  constructor(private readonly options: ConnectionOptions) {
    super();
  }

  /** The open connection, or undefined while (re)connecting. */
  get current(): ChannelModel | undefined {
    return this.conn;
  }

  connect(): Promise<void> {
    this.connecting ??= (async () => {
      while (!this.closed && !this.conn) {
        try {
          await this.connectOnce();
          this.retryMs = 100;
        } catch (err) {
          this.options.logger.warn(
            { err: (err as Error).message, retryInMs: this.retryMs, connection: this.options.name },
            'rabbitmq.connect_failed',
          );
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
      clientProperties: { connection_name: this.options.name },
    });
    let lost = false;
    let up = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      if (this.conn === conn) this.conn = undefined;
      if (!up) return;
      this.options.onLost(err);
      if (!this.closed) {
        this.options.logger.warn({ err: err?.message, connection: this.options.name }, 'rabbitmq.connection_lost');
        void this.connect();
      }
    };
    conn.on('error', (err: Error) => onLost(err));
    conn.on('close', (err?: Error) => onLost(err));
    try {
      if (this.options.setup) {
        const setupChannel = await conn.createChannel();
        await this.options.setup(setupChannel);
        await setupChannel.close();
      }
      this.conn = conn;
      up = true;
      await this.options.onOpen(conn);
    } catch (err) {
      if (up) onLost(err as Error);
      lost = true;
      this.conn = undefined;
      await conn.close().catch(() => {});
      throw err;
    }
    if (lost) throw new Error('RabbitMQ connection closed while opening');
    if (this.closed) {
      // close() was called while this connection was being made: do not leave it open.
      this.conn = undefined;
      await conn.close().catch(() => {});
      return;
    }
    this.options.logger.info({ name: this.options.name }, 'rabbitmq.connected');
    this.emit('connected');
  }

  async close(): Promise<void> {
    this.closed = true;
    const conn = this.conn;
    this.conn = undefined;
    await conn?.close().catch(() => {});
  }
}
