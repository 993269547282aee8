import { spawn } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startEmbeddedMongo } from './server';

export interface SelectMongoOptions {
  /** Persist data here (embedded server's log, or a mongod data directory). In memory when absent. */
  dbPath?: string;
  log?: (msg: string) => void;
  /**
   * Run the embedded server as a child process instead of inside this one. `npm start` does: the
   * server then has its own event loop (and core) instead of competing with every app for one.
   * The child stops when this process exits, however it exits.
   */
  separateProcess?: boolean;
}

export interface SelectedMongo {
  /** Server address without a database name; callers append `/<db>`. */
  uri: string;
  kind: 'external' | 'mongod' | 'embedded';
  stop(): Promise<void>;
}

/** A real mongod start (including a first download) may be slow, but not forever. */
const MONGOD_START_TIMEOUT_MS = 120_000;
/** Offline machines fail the download host's DNS lookup fast; a hung resolver must not stall start-up. */
const DOWNLOAD_PROBE_TIMEOUT_MS = 2_000;
const DOWNLOAD_HOST = 'fastdl.mongodb.org';

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Drops a trailing slash and a database path so callers can append `/<db>`; URLs with options are left alone. */
function baseUri(url: string): string {
  if (url.includes('?')) return url.replace(/\/+\?/, '?');
  const m = /^(mongodb(?:\+srv)?:\/\/[^/]+)(\/.*)?$/.exec(url);
  return m?.[1] ?? url;
}

async function canDownload(): Promise<boolean> {
  try {
    await withTimeout(lookup(DOWNLOAD_HOST), DOWNLOAD_PROBE_TIMEOUT_MS, `DNS lookup of ${DOWNLOAD_HOST}`);
    return true;
  } catch {
    return false;
  }
}

async function startMongod(dbPath: string | undefined): Promise<SelectedMongo> {
  const { MongoMemoryServer } = await import('mongodb-memory-server-core');
  const server = await withTimeout(
    MongoMemoryServer.create({ instance: dbPath ? { dbPath, storageEngine: 'wiredTiger' } : {} }),
    MONGOD_START_TIMEOUT_MS,
    'starting mongod',
  );
  return {
    uri: baseUri(server.getUri()),
    kind: 'mongod',
    stop: async () => {
      await server.stop({ doCleanup: !dbPath });
    },
  };
}

/**
 * The one place that decides which MongoDB Hookline talks to, used by `npm start` and `npm test`:
 * 1. MONGO_URL when set (docker-compose, a real cluster);
 * 2. a real mongod via mongodb-memory-server-core when one can be had: MONGOMS_SYSTEM_BINARY set,
 *    or the download host resolves (skipped when HOOKLINE_MONGO=embedded);
 * 3. otherwise the embedded server of this package.
 */
export async function selectMongo(options: SelectMongoOptions = {}): Promise<SelectedMongo> {
  const log = options.log ?? (() => {});
  const external = process.env.MONGO_URL;
  if (external) {
    log('mongo: using MONGO_URL');
    return { uri: baseUri(external), kind: 'external', stop: async () => {} };
  }
  if (process.env.HOOKLINE_MONGO !== 'embedded' && (process.env.MONGOMS_SYSTEM_BINARY || (await canDownload()))) {
    try {
      const mongod = await startMongod(options.dbPath);
      log(`mongo: started mongod at ${mongod.uri}`);
      return mongod;
    } catch (err) {
      log(`mongo: no mongod available (${(err as Error).message}); using the embedded server`);
    }
  }
  const embedded = options.separateProcess
    ? await spawnEmbeddedMongo(options.dbPath, log)
    : await startEmbeddedMongo({ port: 0, dbPath: options.dbPath, log });
  log(`mongo: embedded server at ${embedded.uri}${options.dbPath ? ` (dbpath ${options.dbPath})` : ' (in memory)'}`);
  return { uri: embedded.uri, kind: 'embedded', stop: embedded.stop };
}

/** The CLI (`bin/hookline-mongo.js`) as a child process; resolves once it prints its URI. */
function spawnEmbeddedMongo(
  dbPath: string | undefined,
  log: (msg: string) => void,
): Promise<{ uri: string; stop(): Promise<void> }> {
  const bin = join(__dirname, '..', 'bin', 'hookline-mongo.js');
  const args = [bin, '--port', '0', '--exit-with-parent', ...(dbPath ? ['--dbpath', dbPath] : [])];
  // stdin is a pipe only so that it closes when this process dies (even by kill -9).
  // Its own process group: a Ctrl-C in the terminal reaches the parent, which stops the server last,
  // after its apps have flushed their writes.
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  createInterface({ input: child.stderr }).on('line', (line) => log(`mongo: ${line}`));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    child.once('exit', (code) =>
      reject(new Error(`the embedded MongoDB exited with code ${code} before it was ready`)),
    );
    lines.once('line', (uri) => {
      resolve({
        uri: uri.trim(),
        stop: async () => {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(timer);
        },
      });
    });
  });
}
