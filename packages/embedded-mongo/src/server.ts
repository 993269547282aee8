import net from 'node:net';
import { Connection, type ServerState } from './connection';
import { CursorRegistry } from './cursors';
import { type LogWriter, OpLog } from './persistence/oplog';
import { Engine } from './storage/engine';
import { sweepExpired } from './ttl';

export interface EmbeddedMongoOptions {
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Directory for the operation log; without it everything lives in memory and is lost on stop. */
  dbPath?: string;
  log?: (msg: string) => void;
  /** Tests only: how the log is written (to make it fail like a full disk). */
  logWriter?: LogWriter;
}

export interface EmbeddedMongo {
  /** `mongodb://127.0.0.1:<port>` without a database name; append `/<db>`. */
  uri: string;
  port: number;
  stop(): Promise<void>;
}

/** mongod's TTL monitor runs every 60 s; tests want expiry within seconds, and a sweep is cheap. */
const SWEEP_INTERVAL_MS = 1000;

export async function startEmbeddedMongo(options: EmbeddedMongoOptions = {}): Promise<EmbeddedMongo> {
  const log = options.log ?? (() => {});
  const engine = new Engine();
  const oplog = options.dbPath ? OpLog.open(options.dbPath, engine, { write: options.logWriter }) : undefined;
  const state: ServerState = { engine, cursors: new CursorRegistry(), oplog, startedAt: Date.now(), log };
  const sockets = new Set<net.Socket>();
  let nextConnectionId = 1;

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    new Connection(socket, nextConnectionId++, state);
  });
  server.on('error', (err) => log(`server error: ${err.message}`));

  const sweep = setInterval(() => {
    try {
      // Expiry is a write too: none once the log has failed.
      if (!oplog?.failed) sweepExpired(engine);
      state.cursors.sweepIdle();
    } catch (err) {
      log(`ttl sweep failed: ${(err as Error).message}`);
    }
  }, SWEEP_INTERVAL_MS);
  // The sweep must not keep a process alive that has nothing else to do.
  sweep.unref();

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    clearInterval(sweep);
    await oplog?.close();
    throw err;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let stopped: Promise<void> | undefined;

  return {
    uri: `mongodb://127.0.0.1:${port}`,
    port,
    stop() {
      stopped ??= (async () => {
        clearInterval(sweep);
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const s of sockets) s.destroy();
        await closed;
        await oplog?.close();
      })();
      return stopped;
    },
  };
}
