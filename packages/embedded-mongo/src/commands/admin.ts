import os from 'node:os';
import type { Doc } from '../storage/values';
import type { CommandHandler } from './context';

/** The version we claim; wire version 21 is MongoDB 7.0, which both drivers (6.x and 7.x) accept. */
export const SERVER_VERSION = '7.0.0';
export const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;
export const MAX_MESSAGE_SIZE_BYTES = 48_000_000;

const hello: CommandHandler = (ctx) => {
  const reply: Doc = {
    helloOk: true,
    ismaster: true,
    isWritablePrimary: true,
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    maxMessageSizeBytes: MAX_MESSAGE_SIZE_BYTES,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: ctx.connectionId,
    minWireVersion: 0,
    maxWireVersion: 21,
    readOnly: false,
    ok: 1,
  };
  // No setName/msg: drivers then treat us as a standalone and never send txnNumber for retryable writes.
  return reply;
};

const ok: CommandHandler = () => ({ ok: 1 });

const buildInfo: CommandHandler = () => ({
  version: SERVER_VERSION,
  gitVersion: 'hookline-embedded-mongo',
  versionArray: [7, 0, 0, 0],
  bits: 64,
  debug: false,
  maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
  storageEngines: ['hookline-oplog'],
  ok: 1,
});

const serverStatus: CommandHandler = (ctx) => ({
  host: os.hostname(),
  version: SERVER_VERSION,
  process: 'hookline-mongo',
  pid: process.pid,
  uptime: Math.floor((Date.now() - ctx.startedAt) / 1000),
  localTime: new Date(),
  mem: { resident: Math.round(process.memoryUsage().rss / (1024 * 1024)) },
  ok: 1,
});

export const adminCommands: Record<string, CommandHandler> = {
  hello,
  isMaster: hello,
  ismaster: hello,
  ping: ok,
  buildInfo,
  buildinfo: buildInfo,
  endSessions: ok,
  killSessions: ok,
  killAllSessions: ok,
  refreshSessions: ok,
  logout: ok,
  serverStatus,
  getParameter: () => ({ featureCompatibilityVersion: { version: '7.0' }, ok: 1 }),
  getCmdLineOpts: () => ({ argv: process.argv, parsed: {}, ok: 1 }),
  getLog: () => ({ names: ['global', 'startupWarnings'], totalLinesWritten: 0, log: [], ok: 1 }),
  hostInfo: () => ({
    system: {
      currentTime: new Date(),
      hostname: os.hostname(),
      numCores: os.cpus().length,
      memSizeMB: Math.round(os.totalmem() / 1048576),
    },
    os: { type: os.type(), name: os.platform(), version: os.release() },
    ok: 1,
  }),
  whatsmyuri: (ctx) => ({ you: ctx.remoteAddress, ok: 1 }),
  connectionStatus: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 }),
};
