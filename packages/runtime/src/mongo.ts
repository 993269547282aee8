import mongoose, { type Connection } from 'mongoose';

/**
 * One mongoose connection. Commands are not buffered while disconnected: a request fails at once
 * (and is answered 503) instead of hanging until a buffer timeout.
 */
export async function connectMongo(url: string): Promise<Connection> {
  const conn = mongoose.createConnection(url, {
    bufferCommands: false,
    serverSelectionTimeoutMS: 5000,
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
