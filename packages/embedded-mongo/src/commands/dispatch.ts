import { commandError, toErrorReply } from '../errors';
import type { Doc } from '../storage/values';
import { adminCommands } from './admin';
import type { CommandContext, CommandHandler } from './context';
import { crudCommands } from './crud';
import { ddlCommands } from './ddl';
import { queryCommands } from './query';

const handlers: Record<string, CommandHandler> = {
  ...adminCommands,
  ...crudCommands,
  ...queryCommands,
  ...ddlCommands,
};

/** Commands that change data or indexes: refused once the log cannot be written (OpLog.failed). */
export const WRITE_COMMANDS = new Set([
  ...Object.keys(crudCommands),
  'create',
  'createIndexes',
  'drop',
  'dropDatabase',
  'dropIndexes',
  'deleteIndexes',
  'collMod',
]);

const TRANSACTION_COMMANDS = new Set(['commitTransaction', 'abortTransaction']);

/** Runs one command synchronously and always returns a reply document: errors become `ok: 0` replies. */
export function runCommand(ctx: CommandContext): Doc {
  const name = Object.keys(ctx.body)[0];
  try {
    if (name === undefined) throw commandError('FailedToParse', 'empty command document');
    // A single-node mongod refuses transactions the same way; drivers surface this error as is.
    if (TRANSACTION_COMMANDS.has(name) || 'txnNumber' in ctx.body || 'startTransaction' in ctx.body) {
      throw commandError('IllegalOperation', 'Transaction numbers are only allowed on a replica set member or mongos');
    }
    const handler = Object.hasOwn(handlers, name) ? handlers[name] : undefined;
    if (!handler) throw commandError('CommandNotFound', `no such command: '${name}'`);
    return handler(ctx);
  } catch (err) {
    return toErrorReply(err);
  }
}
