import mongoose, { type Connection } from 'mongoose';

/**
 * One mongoose connection. Commands are not buffered while disconnected, and server selection gives
 * up after 1.5 s: while MongoDB is down a request is answered 503 within 2 s instead of hanging.
 * The 2 s heartbeat lets an idle app notice a restarted MongoDB (and /readyz recover) quickly.
 */
export async function connectMongo(url: string): Promise<Connection> {
  const conn = mongoose.createConnection(url, {
    bufferCommands: false,
    serverSelectionTimeoutMS: 1500,
    heartbeatFrequencyMS: 2000,
    autoIndex: true,
  });
  await conn.asPromise();
  return conn;
}

export function mongoReady(conn: Connection): () => Promise<boolean> {
  return async () => {
    if (conn.readyState !== 1 || !conn.db) return false;
    await conn.db.admin().ping();
    return true;
  };
}

/** Whether a write failed because a unique index already holds the key (MongoDB's code 11000). */
export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 11000;
}

/**
 * One page of a list read with `limit + 1` rows: the extra row says whether there is a next page
 * without a count. `cursorOf` names the last row of the page, from which the next page starts.
 */
export function pageOf<T>(
  rows: readonly T[],
  limit: number,
  cursorOf: (last: T) => string,
): { data: T[]; nextCursor: string | null } {
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  return { data, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
